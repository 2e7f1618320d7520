//! Running the items of a per-quirk loop side by side, on as many threads as the machine has
//! cores, so that a loop's time scales with the cores as quirks are added; it asserts nothing.

use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The threads a loop runs on: one per core.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, NonZeroUsize::get)
}

/// `each` of every item, in the order of `items`, computed on at most [`cores`] threads at
/// once. A panic in `each` fails the caller once every thread has ended.
pub fn concurrently<T: Sync, R: Send>(items: &[T], each: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..cores().min(items.len()) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else {
                        break;
                    };
                    let result = each(item);
                    *results[index].lock().expect("one writer per item") = Some(result);
                }
            });
        }
    });
    results
        .into_iter()
        .map(|result| {
            result
                .into_inner()
                .expect("one writer per item")
                .expect("every item ran")
        })
        .collect()
}

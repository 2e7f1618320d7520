//! The gate every request of an import passes: bounded concurrency, an optional start rate,
//! and a window that shrinks when the server answers 429; it sends nothing itself.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// Bounded concurrency, an optional start rate, and an adaptive window: each time the server
/// answers 429, the requests allowed in flight are halved; after as many calm answers as the
/// window holds, it grows by one again, up to the `--concurrency` asked for.
#[derive(Debug)]
pub struct Gate {
    state: Mutex<GateState>,
    changed: Notify,
    /// The client's count of 429 answers when last looked at.
    throttled_seen: AtomicU64,
    interval: Option<Duration>,
    max: usize,
}

#[derive(Debug)]
struct GateState {
    window: usize,
    in_flight: usize,
    calm: usize,
    next_start: Option<Instant>,
}

/// A place in the gate, given back on drop.
#[derive(Debug)]
pub struct Pass<'g> {
    gate: &'g Gate,
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        let mut state = self.gate.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        drop(state);
        self.gate.changed.notify_waiters();
    }
}

impl Gate {
    /// A gate for `max` requests in flight and at most `per_second` starts per second.
    pub fn new(max: usize, per_second: Option<f64>) -> Gate {
        let max = max.max(1);
        Gate {
            state: Mutex::new(GateState {
                window: max,
                in_flight: 0,
                calm: 0,
                next_start: None,
            }),
            changed: Notify::new(),
            throttled_seen: AtomicU64::new(0),
            interval: per_second
                .filter(|rate| *rate > 0.0)
                .map(|rate| Duration::from_secs_f64(1.0 / rate)),
            max,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The requests allowed in flight now.
    pub fn window(&self) -> usize {
        self.lock().window
    }

    /// Waits for a place (and the next start slot under a rate).
    pub async fn enter(&self) -> Pass<'_> {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let slot = {
                let mut state = self.lock();
                if state.in_flight < state.window {
                    state.in_flight += 1;
                    let slot = self.interval.map(|interval| {
                        let now = Instant::now();
                        let slot = state.next_start.map_or(now, |next| next.max(now));
                        state.next_start = Some(slot + interval);
                        slot
                    });
                    Some(slot)
                } else {
                    None
                }
            };
            match slot {
                Some(start) => {
                    if let Some(start) = start {
                        tokio::time::sleep_until(start).await;
                    }
                    return Pass { gate: self };
                }
                None => changed.await,
            }
        }
    }

    /// Looks at the client's count of 429 answers after a request: more than before halves the
    /// window; none adds to the calm that grows it back.
    pub fn observe(&self, throttled_total: u64) {
        let before = self.throttled_seen.swap(throttled_total, Ordering::Relaxed);
        let mut state = self.lock();
        if throttled_total > before {
            state.window = (state.window / 2).max(1);
            state.calm = 0;
        } else {
            state.calm += 1;
            if state.calm >= state.window && state.window < self.max {
                state.window += 1;
                state.calm = 0;
                drop(state);
                self.changed.notify_waiters();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_gate_halves_its_window_on_429_and_grows_back_when_calm() {
        let gate = Gate::new(8, None);
        assert_eq!(gate.window(), 8);
        gate.observe(1);
        assert_eq!(gate.window(), 4);
        gate.observe(3);
        assert_eq!(gate.window(), 2);
        for _ in 0..2 {
            gate.observe(3);
        }
        assert_eq!(gate.window(), 3, "two calm answers grow a window of two");
        let passes: Vec<Pass<'_>> =
            vec![gate.enter().await, gate.enter().await, gate.enter().await];
        let blocked = tokio::time::timeout(Duration::from_secs(1), gate.enter()).await;
        assert!(
            blocked.is_err(),
            "a full window makes the next request wait"
        );
        drop(passes);
        let admitted = tokio::time::timeout(Duration::from_secs(1), gate.enter()).await;
        assert!(admitted.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn a_rate_spaces_the_starts() {
        let gate = Gate::new(4, Some(10.0));
        let started = Instant::now();
        for _ in 0..5 {
            drop(gate.enter().await);
        }
        assert_eq!(started.elapsed(), Duration::from_millis(400));
    }
}

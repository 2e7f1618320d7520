//! Indexed lookups stay fast on a big store: with 100,000 users a `userName eq` list request
//! answers well under 20 ms at the median. Timing is only meaningful in release builds
//! (`cargo test --release --test serve perf`), so debug runs skip it.

use std::time::{Duration, Instant};

use scimctl::serve::{Seed, ServeConfig};
use serde_json::json;

use crate::common::Harness;

#[tokio::test]
#[cfg_attr(debug_assertions, ignore = "timing needs a release build")]
async fn user_name_eq_on_100k_users_answers_in_well_under_20_ms() {
    let users = (0..100_000)
        .map(|i| {
            json!({"userName": format!("user{i:06}@example.com"), "externalId": format!("ext-{i}"),
                   "name": {"givenName": "Given", "familyName": format!("Family{i}")},
                   "emails": [{"value": format!("user{i:06}@example.com"), "type": "work", "primary": true}],
                   "active": i % 7 != 0})
        })
        .collect();
    let h = Harness::with(ServeConfig {
        seed: Some(Seed {
            users,
            groups: Vec::new(),
        }),
        ..ServeConfig::default()
    })
    .await;
    let mut timings = Vec::new();
    for i in 0..101 {
        let path = format!(
            "/Users?filter=userName%20eq%20%22USER{:06}%40example.com%22",
            (i * 991) % 100_000
        );
        let started = Instant::now();
        let answer = h.get(&path).await;
        timings.push(started.elapsed());
        assert_eq!(answer.status, 200);
        assert_eq!(answer.json()["totalResults"], 1);
    }
    timings.sort();
    let median = timings[timings.len() / 2];
    assert!(median < Duration::from_millis(5), "median {median:?}");
    h.stop().await;
}

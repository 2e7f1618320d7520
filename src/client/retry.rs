//! When to send a request again, and after how long. A pure policy: it sends nothing and reads
//! no clock; the caller supplies the attempt count, the failure, the time and the jitter.
//!
//! Rules:
//! - 429 Too Many Requests (RFC 6585 §4) means the request was not processed, so any method is
//!   retried, after `Retry-After` (seconds or an HTTP-date, RFC 9110 §10.2.3) when given.
//! - 5xx and transport failures (timeouts, refused connections) are retried only for idempotent
//!   requests (GET, PUT, DELETE, `POST .../.search`), never for a create or a PATCH, which may
//!   have been applied already.
//! - Every wait is bounded, and so is the number of attempts. A 429 gets more attempts than a
//!   failure: being throttled is the server working as designed, and a suite of concurrent
//!   checks against a rate-limited server meets it often.
//! - A `Retry-After` wait gets a little jitter on top, so that requests throttled together do
//!   not all come back in the same instant and get throttled again.

use std::time::{Duration, SystemTime};

/// How a request failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure<'a> {
    /// The server answered with this status and, maybe, a `Retry-After` header.
    Status {
        status: u16,
        retry_after: Option<&'a str>,
    },
    /// No answer in time.
    Timeout,
    /// No connection (refused, reset, DNS).
    Connect,
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then send again.
    Retry(Duration),
    /// Stop and report the failure; the text, when present, says why no retry happened.
    GiveUp(Option<String>),
}

/// The bounds of retrying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included, after server errors and transport failures.
    pub max_attempts: u32,
    /// Attempts in all, the first included, when the server answers 429 Too Many Requests.
    pub max_throttled_attempts: u32,
    /// The first backoff wait; it doubles on each attempt.
    pub base_delay: Duration,
    /// The longest backoff wait.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; a server asking for more makes us give up.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_throttled_attempts: 10,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retries: for callers that must see the first answer.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            max_throttled_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Decides after `attempts` attempts (1 after the first) ended in `failure`. `jitter` is a
    /// number in `[0, 1)` that spreads the backoff so that clients do not retry in lockstep.
    pub fn decide(
        &self,
        attempts: u32,
        idempotent: bool,
        failure: Failure<'_>,
        now: SystemTime,
        jitter: f64,
    ) -> Decision {
        let retryable_status = |status: u16| status >= 500 && !matches!(status, 501 | 505 | 511);
        let (retry_after, what, max_attempts) = match failure {
            Failure::Status {
                status: 429,
                retry_after,
            } => (
                retry_after,
                "429 Too Many Requests".to_owned(),
                self.max_throttled_attempts,
            ),
            Failure::Status {
                status,
                retry_after,
            } if retryable_status(status) => {
                if !idempotent {
                    return Decision::GiveUp(Some(format!(
                        "not retried after {status}: the request is not idempotent and may have been applied"
                    )));
                }
                (retry_after, status.to_string(), self.max_attempts)
            }
            Failure::Status { .. } => return Decision::GiveUp(None),
            Failure::Timeout | Failure::Connect => {
                if !idempotent {
                    return Decision::GiveUp(Some(
                        "not retried: the request is not idempotent and may have been applied"
                            .to_owned(),
                    ));
                }
                (None, "the failure".to_owned(), self.max_attempts)
            }
        };
        if attempts >= max_attempts {
            return Decision::GiveUp(Some(format!("gave up after {attempts} attempts")));
        }
        match retry_after.and_then(|value| parse_retry_after(value, now)) {
            Some(wait) if wait > self.max_retry_after => Decision::GiveUp(Some(format!(
                "the server asked to wait {} s after {what}, more than the {} s limit",
                wait.as_secs(),
                self.max_retry_after.as_secs()
            ))),
            Some(wait) => Decision::Retry(wait + self.base_delay.mul_f64(jitter.clamp(0.0, 1.0))),
            None => Decision::Retry(self.backoff(attempts, jitter)),
        }
    }

    /// Exponential backoff with "equal jitter": half the doubled delay fixed, half random.
    fn backoff(&self, attempts: u32, jitter: f64) -> Duration {
        let doubling = 2u32.saturating_pow(attempts.saturating_sub(1));
        let full = self.base_delay.saturating_mul(doubling).min(self.max_delay);
        let half = full / 2;
        half + half.mul_f64(jitter.clamp(0.0, 1.0))
    }
}

/// Parses `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). A date in the past
/// means "now". Anything else is ignored (the caller falls back to backoff).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_SECS: u64 = 1_700_000_000;

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(NOW_SECS)
    }

    fn status(status: u16, retry_after: Option<&str>) -> Failure<'_> {
        Failure::Status {
            status,
            retry_after,
        }
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        assert_eq!(
            parse_retry_after(" 7 ", now()),
            Some(Duration::from_secs(7))
        );
        let in_ten = httpdate::fmt_http_date(now() + Duration::from_secs(10));
        assert_eq!(
            parse_retry_after(&in_ten, now()),
            Some(Duration::from_secs(10))
        );
        let past = httpdate::fmt_http_date(now() - Duration::from_secs(10));
        assert_eq!(parse_retry_after(&past, now()), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now()), None);
        assert_eq!(parse_retry_after("-3", now()), None);
    }

    #[test]
    fn too_many_requests_is_retried_for_every_method_after_retry_after() {
        let policy = RetryPolicy::default();
        for idempotent in [true, false] {
            assert_eq!(
                policy.decide(1, idempotent, status(429, Some("2")), now(), 0.0),
                Decision::Retry(Duration::from_secs(2))
            );
        }
    }

    #[test]
    fn requests_throttled_together_come_back_spread_out_never_early() {
        let policy = RetryPolicy::default();
        let wait = |jitter| match policy.decide(1, true, status(429, Some("1")), now(), jitter) {
            Decision::Retry(wait) => wait,
            other => panic!("expected a retry, got {other:?}"),
        };
        assert_eq!(wait(0.0), Duration::from_secs(1));
        assert_eq!(wait(0.5), Duration::from_millis(1125));
        assert!(wait(0.99) < Duration::from_millis(1250));
    }

    #[test]
    fn throttling_is_waited_out_longer_than_failures_but_not_for_ever() {
        let policy = RetryPolicy::default();
        assert!(matches!(
            policy.decide(4, true, status(503, None), now(), 0.0),
            Decision::GiveUp(Some(_))
        ));
        for attempts in 4..10 {
            assert!(matches!(
                policy.decide(attempts, false, status(429, Some("1")), now(), 0.0),
                Decision::Retry(_)
            ));
        }
        assert!(matches!(
            policy.decide(10, false, status(429, Some("1")), now(), 0.0),
            Decision::GiveUp(Some(why)) if why.contains("10 attempts")
        ));
    }

    #[test]
    fn a_retry_after_beyond_the_limit_gives_up_instead_of_waiting() {
        let policy = RetryPolicy::default();
        let decision = policy.decide(1, true, status(429, Some("3600")), now(), 0.5);
        assert!(
            matches!(&decision, Decision::GiveUp(Some(why)) if why.contains("3600 s")),
            "{decision:?}"
        );
    }

    #[test]
    fn server_errors_are_retried_only_for_idempotent_requests() {
        let policy = RetryPolicy::default();
        assert!(matches!(
            policy.decide(1, true, status(503, None), now(), 0.0),
            Decision::Retry(_)
        ));
        assert!(matches!(
            policy.decide(1, false, status(503, None), now(), 0.0),
            Decision::GiveUp(Some(_))
        ));
        assert!(matches!(
            policy.decide(1, true, Failure::Timeout, now(), 0.0),
            Decision::Retry(_)
        ));
        assert!(matches!(
            policy.decide(1, false, Failure::Timeout, now(), 0.0),
            Decision::GiveUp(Some(_))
        ));
        assert!(matches!(
            policy.decide(1, false, Failure::Connect, now(), 0.0),
            Decision::GiveUp(Some(_))
        ));
    }

    #[test]
    fn client_errors_and_permanent_server_errors_are_never_retried() {
        let policy = RetryPolicy::default();
        for code in [400, 401, 403, 404, 409, 412, 501] {
            assert_eq!(
                policy.decide(1, true, status(code, None), now(), 0.0),
                Decision::GiveUp(None)
            );
        }
    }

    #[test]
    fn attempts_are_bounded() {
        let policy = RetryPolicy::default();
        assert!(matches!(
            policy.decide(3, true, status(503, None), now(), 0.0),
            Decision::Retry(_)
        ));
        assert!(matches!(
            policy.decide(4, true, status(503, None), now(), 0.0),
            Decision::GiveUp(Some(_))
        ));
        assert!(matches!(
            RetryPolicy::never().decide(1, true, status(429, None), now(), 0.0),
            Decision::GiveUp(Some(_))
        ));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_stays_under_the_cap() {
        let policy = RetryPolicy::default();
        let wait =
            |attempts, jitter| match policy.decide(attempts, true, Failure::Timeout, now(), jitter)
            {
                Decision::Retry(wait) => wait,
                other => panic!("expected a retry, got {other:?}"),
            };
        assert_eq!(wait(1, 0.0), Duration::from_millis(125));
        assert_eq!(wait(1, 1.0), Duration::from_millis(250));
        assert_eq!(wait(2, 0.0), Duration::from_millis(250));
        assert_eq!(wait(3, 0.5), Duration::from_millis(750));
        let patient = RetryPolicy {
            max_attempts: 100,
            ..RetryPolicy::default()
        };
        assert_eq!(
            patient.decide(60, true, Failure::Timeout, now(), 1.0),
            Decision::Retry(Duration::from_secs(8))
        );
    }
}

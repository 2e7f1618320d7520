//! The runner's one door to the server: a narrow trait the command layer implements over its
//! SCIM client (credentials, retries, recording). The runner must not name the concrete client.

use std::sync::Arc;

use crate::client::{BoxFuture, ClientError, RawExchange, RawRequest, RetryStats};

/// What the runner needs from a SCIM service.
pub trait Service: Send + Sync {
    /// Sends one request as written, with credentials unless it says otherwise; 429s are
    /// waited out as the service's retry policy allows.
    fn send<'a>(
        &'a self,
        request: &'a RawRequest,
    ) -> BoxFuture<'a, Result<RawExchange, ClientError>>;

    /// The base URL under test, secrets redacted, as reports show it.
    fn base_url(&self) -> String;

    /// What throttling has cost so far.
    fn retry_stats(&self) -> RetryStats;
}

impl<S: Service + ?Sized> Service for Arc<S> {
    fn send<'a>(
        &'a self,
        request: &'a RawRequest,
    ) -> BoxFuture<'a, Result<RawExchange, ClientError>> {
        (**self).send(request)
    }

    fn base_url(&self) -> String {
        (**self).base_url()
    }

    fn retry_stats(&self) -> RetryStats {
        (**self).retry_stats()
    }
}

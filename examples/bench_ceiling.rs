//! The ceiling for `bench/serve.sh`: an axum server on the same runtime as `scimctl serve` that
//! answers every benchmarked request with a fixed body, with no store, no filter, no
//! validation and no authentication. Whatever rate it reaches is what the machine's loopback,
//! kernel and wrk allow; `scimctl serve` cannot beat it, so the ratio of the two says how much
//! of a cell is scimctl's own work and how much the machine's.
//!
//! Usage: `cargo run --release --example bench_ceiling` (prints its base URL, stops on Ctrl-C).

use axum::Router;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

const USER: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"0b5a3c6e-8f0e-4b4e-9d0c-3f1f8a2b7c11","userName":"bench-user-005000","name":{"givenName":"Load","familyName":"Test"},"emails":[{"value":"bench-user-005000@example.com","type":"work","primary":true}],"active":true,"meta":{"resourceType":"User","created":"2026-12-04T10:00:00Z","lastModified":"2026-12-04T10:00:00Z","location":"http://127.0.0.1/scim/v2/Users/0b5a3c6e-8f0e-4b4e-9d0c-3f1f8a2b7c11","version":"W/\"1\""}}"#;
const LOCATION: &str = "http://127.0.0.1/scim/v2/Users/0b5a3c6e-8f0e-4b4e-9d0c-3f1f8a2b7c11";
const SCIM_JSON: &str = "application/scim+json";

async fn one_user() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, SCIM_JSON)], USER)
}

async fn list_of_one() -> impl IntoResponse {
    let body = format!(
        r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,"itemsPerPage":1,"Resources":[{USER}]}}"#
    );
    ([(header::CONTENT_TYPE, SCIM_JSON)], body)
}

/// Reads the whole body, as a real server must, then answers as if it had stored it.
async fn created(_body: Bytes) -> impl IntoResponse {
    (
        StatusCode::CREATED,
        [
            (header::CONTENT_TYPE, SCIM_JSON),
            (header::LOCATION, LOCATION),
        ],
        USER,
    )
}

fn main() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let app = Router::new()
            .route("/scim/v2/Users/{id}", get(one_user))
            .route("/scim/v2/Users", get(list_of_one).post(created));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!(
            "ceiling server listening on http://{}/scim/v2",
            listener.local_addr()?
        );
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    })
}

//! Request lines as identity providers and common clients write them, sent byte for byte over a
//! plain TCP socket (no HTTP library re-encodes them): Entra's raw quotes and `+`, Okta's `%20`
//! and `%22`, the bytes IIS, Express and Django accept. Each is decoded exactly once and answered
//! by the SCIM code; what the HTTP layer still refuses is answered with a SCIM Error, never with
//! an empty body.

use serde_json::{Value, json};

use super::common::{Harness, Wire, WireAnswer};

const EXTERNAL_ID: &str = "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef";

/// A server holding the user and group the corpus looks for.
async fn directory() -> Harness {
    let h = Harness::start().await;
    let dale = h
        .user_with(json!({
            "userName": "dale.mohr@example.com",
            "externalId": EXTERNAL_ID,
            "emails": [{"type": "work", "value": "Dale.Mohr@example.com", "primary": true}],
        }))
        .await;
    h.group("Sales Team", &[dale["id"].as_str().expect("id")])
        .await;
    h
}

async fn get(wire: &mut Wire, h: &Harness, target: &str) -> WireAnswer {
    wire.write(h.request_head("GET", target, "").as_bytes())
        .await;
    wire.answer().await
}

#[tokio::test]
async fn entra_okta_and_lenient_server_request_lines_are_all_answered_on_one_connection() {
    let h = directory().await;
    // (who writes it so, the request-target below the base URL, the expected totalResults)
    let corpus: &[(&str, &str, u64)] = &[
        (
            "Entra: userName matching, raw quotes, + for spaces, %40",
            r#"/Users?filter=userName+eq+"dale.mohr%40example.com""#,
            1,
        ),
        (
            "Entra: Test Connection on a random GUID",
            r#"/Users?filter=userName+eq+"6f1d3c0e-5b0a-4d8c-9f6e-2b1a7c9d4e10""#,
            0,
        ),
        (
            "Entra: externalId matching",
            r#"/Users?filter=externalId+eq+"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef""#,
            1,
        ),
        (
            "Entra: work email matching, raw brackets",
            r#"/Users?filter=emails[type+eq+"work"].value+eq+"dale.mohr%40example.com""#,
            1,
        ),
        (
            "Entra: group matching without members",
            r#"/Groups?excludedAttributes=members&filter=displayName+eq+"Sales+Team""#,
            1,
        ),
        (
            "Okta: percent-encoded userName lookup",
            "/Users?filter=userName%20eq%20%22dale.mohr%40example.com%22&startIndex=1&count=100",
            1,
        ),
        (
            "Okta: percent-encoded group lookup",
            "/Groups?filter=displayName%20eq%20%22Sales%20Team%22&startIndex=1&count=100",
            1,
        ),
        (
            "IIS and Express: braces, pipe, caret and backtick inside a quoted value",
            r#"/Users?filter=userName+eq+"{a}|b^c`d""#,
            0,
        ),
        (
            "IIS and Express: raw JSON, backslash and angle brackets in an ignored parameter",
            r#"/Users?filter=externalId+eq+"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"&trace={"a":[1|2]}^`\<>"#,
            1,
        ),
    ];
    let mut wire = Wire::open(&h).await;
    for (who, target, total) in corpus {
        let answer = get(&mut wire, &h, target).await;
        assert_eq!(answer.status, 200, "{who}: {target}");
        let list = answer.assert_list(*total);
        if target.starts_with("/Groups?excludedAttributes") {
            assert_eq!(list["Resources"][0]["members"], Value::Null, "{who}");
        }
    }
    h.stop().await;
}

#[tokio::test]
async fn plus_is_a_space_and_an_escaped_plus_a_plus_each_decoded_once() {
    let h = Harness::start().await;
    let plus = h.user("a+b@example.com").await;
    let space = h.user("a b@example.com").await;
    let percent = h.user("100%22").await;
    let mut wire = Wire::open(&h).await;
    let cases = [
        (r#"/Users?filter=userName+eq+"a%2Bb%40example.com""#, &plus),
        (r#"/Users?filter=userName+eq+"a+b%40example.com""#, &space),
        (r#"/Users?filter=userName+eq+"100%2522""#, &percent),
    ];
    for (target, user) in cases {
        let list = get(&mut wire, &h, target).await.assert_list(1);
        assert_eq!(list["Resources"][0]["id"], user["id"], "{target}");
    }
    h.stop().await;
}

#[tokio::test]
async fn a_raw_quote_in_the_path_reaches_the_scim_code_and_gets_a_scim_404() {
    let h = Harness::start().await;
    let mut wire = Wire::open(&h).await;
    let detail = get(&mut wire, &h, r#"/Users/"nobody""#)
        .await
        .assert_error(404);
    assert!(detail.contains("\"nobody\""), "{detail}");
    get(&mut wire, &h, "/Users/`odd`<id>")
        .await
        .assert_error(404);
    h.stop().await;
}

/// A POST with a Content-Length body, a chunked POST (with a chunk extension and a trailer), and
/// two GETs with raw quotes, written as one stream: each head must be found where it starts.
fn pipeline(h: &Harness, tag: &str) -> String {
    let user = |name: &str| {
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name})
            .to_string()
    };
    let sized = user(&format!("sized.{tag}@example.com"));
    let chunked = user(&format!("chunked.{tag}@example.com"));
    let (first, second) = chunked.split_at(chunked.len() / 2);
    let mut stream = h.request_head(
        "POST",
        r#"/Users?attributes=userName&trace="sized""#,
        &format!(
            "Content-Type: application/scim+json\r\nContent-Length: {}\r\n",
            sized.len()
        ),
    );
    stream += &sized;
    stream += &h.request_head(
        "POST",
        "/Users",
        "Content-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\n",
    );
    stream += &format!(
        "{:x};note=\"x\"\r\n{first}\r\n{:X}\r\n{second}\r\n0\r\nX-Trailer: done\r\n\r\n",
        first.len(),
        second.len()
    );
    stream += &h.request_head(
        "GET",
        &format!(r#"/Users?filter=userName+eq+"chunked.{tag}%40example.com""#),
        "",
    );
    stream += &h.request_head(
        "GET",
        r#"/Users?filter=userName+eq+"dale.mohr%40example.com""#,
        "",
    );
    stream
}

#[tokio::test]
async fn pipelined_requests_with_bodies_keep_their_framing() {
    let h = directory().await;
    // All at once, as a pipelining client writes them, then one byte at a time.
    for (tag, at_once) in [("whole", true), ("bytewise", false)] {
        let stream = pipeline(&h, tag);
        let mut wire = Wire::open(&h).await;
        if at_once {
            wire.write(stream.as_bytes()).await;
        } else {
            for byte in stream.as_bytes() {
                wire.write(&[*byte]).await;
            }
        }
        let sized = wire.answer().await;
        assert_eq!(sized.status, 201, "{tag}: {:?}", sized.json());
        assert_eq!(
            sized.json()["userName"],
            json!(format!("sized.{tag}@example.com"))
        );
        let chunked = wire.answer().await;
        assert_eq!(chunked.status, 201, "{tag}: {:?}", chunked.json());
        wire.answer().await.assert_list(1);
        wire.answer().await.assert_list(1);
    }
    h.stop().await;
}

#[tokio::test]
async fn a_body_sent_after_100_continue_is_read() {
    let h = Harness::start().await;
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                      "userName": "expect.user@example.com"})
    .to_string();
    let mut wire = Wire::open(&h).await;
    let head = h.request_head(
        "POST",
        r#"/Users?trace="expect""#,
        &format!(
            "Content-Type: application/scim+json\r\nContent-Length: {}\r\nExpect: 100-continue\r\n",
            body.len()
        ),
    );
    wire.write(head.as_bytes()).await;
    assert_eq!(wire.answer().await.status, 100);
    wire.write(body.as_bytes()).await;
    assert_eq!(wire.answer().await.status, 201);
    h.stop().await;
}

#[tokio::test]
async fn an_http_1_0_request_with_raw_quotes_is_answered_and_closed() {
    let h = directory().await;
    let mut wire = Wire::open(&h).await;
    let head = h
        .request_head(
            "GET",
            r#"/Users?filter=userName+eq+"dale.mohr%40example.com""#,
            "",
        )
        .replace(" HTTP/1.1\r\n", " HTTP/1.0\r\n");
    wire.write(head.as_bytes()).await;
    wire.answer().await.assert_list(1);
    assert!(wire.is_closed().await);
    h.stop().await;
}

#[tokio::test]
async fn heads_the_http_layer_refuses_get_a_scim_error_and_a_closed_connection() {
    let h = Harness::start().await;
    let big = format!("X-Padding: {}\r\n", "a".repeat(70 * 1024));
    let many: String = (0..101).map(|n| format!("X-Field-{n}: 1\r\n")).collect();
    // (what is wrong, the bytes sent, the status, a word the detail must hold)
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("not HTTP", b"HELLO\r\n\r\n".to_vec(), 400, "request line"),
        (
            "a TLS handshake on the plain port, answered without waiting for a line end",
            b"\x16\x03\x01\x00\xa5\x01\x00".to_vec(),
            400,
            "request line",
        ),
        (
            "a raw space in the query",
            h.request_head("GET", "/Users?filter=userName eq \"x\"", "")
                .into_bytes(),
            400,
            "space",
        ),
        (
            "a control character in the target",
            h.request_head("GET", "/Users?filter=\u{1}", "")
                .into_bytes(),
            400,
            "control character",
        ),
        (
            "HTTP/2.0 on an HTTP/1 request line",
            h.request_head("GET", "/Users", "")
                .replace("HTTP/1.1", "HTTP/2.0")
                .into_bytes(),
            505,
            "HTTP/1.1",
        ),
        (
            "a head over 64 KiB",
            h.request_head("GET", "/Users", &big).into_bytes(),
            431,
            "KiB",
        ),
        (
            "101 header fields",
            h.request_head("GET", "/Users", &many).into_bytes(),
            431,
            "header fields",
        ),
        (
            "Content-Lengths that disagree",
            h.request_head(
                "POST",
                "/Users",
                "Content-Length: 2\r\nContent-Length: 3\r\n",
            )
            .into_bytes(),
            400,
            "disagree",
        ),
        (
            "a Transfer-Encoding that does not end in chunked",
            h.request_head("POST", "/Users", "Transfer-Encoding: gzip\r\n")
                .into_bytes(),
            400,
            "chunked",
        ),
    ];
    for (what, bytes, status, word) in cases {
        let mut wire = Wire::open(&h).await;
        wire.write(&bytes).await;
        let answer = wire.answer().await;
        let detail = answer.assert_error(status);
        assert!(detail.contains(word), "{what}: {detail}");
        assert_eq!(answer.header("connection"), Some("close"), "{what}");
        assert!(wire.is_closed().await, "{what}: the connection stays open");
    }
    h.stop().await;
}

#[tokio::test]
async fn nothing_after_a_refused_head_is_served() {
    let h = Harness::start().await;
    let user = h.user("kept@example.com").await;
    let id = user["id"].as_str().expect("id");
    let mut wire = Wire::open(&h).await;
    let mut bytes = b"HELLO\r\n\r\n".to_vec();
    bytes.extend_from_slice(
        h.request_head("DELETE", &format!("/Users/{id}"), "")
            .as_bytes(),
    );
    wire.write(&bytes).await;
    wire.answer().await.assert_error(400);
    assert!(wire.is_closed().await);
    assert_eq!(h.get(&format!("/Users/{id}")).await.status, 200);
    h.stop().await;
}

#[tokio::test]
async fn an_http2_connection_with_prior_knowledge_is_left_to_hyper() {
    let h = Harness::start().await;
    let client = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .expect("client");
    let response = client
        .get(h.url("/Users?count=1"))
        .bearer_auth(h.server.token())
        .send()
        .await
        .expect("answered over HTTP/2");
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    assert_eq!(response.status(), 200);
    h.stop().await;
}

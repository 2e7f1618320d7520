//! The requests a check sends: a step rendered into a [`RawRequest`], the plain ones of cleanup
//! and built-ins, and their labels. Pure: nothing here sends or judges.

use serde_json::Value;

use super::error::CheckError;
use super::setup;
use super::vars::Vars;
use crate::client::{RawRequest, SCIM_MEDIA_TYPE};
use crate::scim::method::Method;
use crate::suite::{Body, Step, merge_into};

/// A request with credentials, no body and no extra headers.
pub(crate) fn plain(method: Method, path: &str, query: Vec<(String, String)>) -> RawRequest {
    RawRequest {
        method,
        path: path.to_owned(),
        query,
        target: None,
        headers: Vec::new(),
        body: None,
        credentials: true,
    }
}

/// The step's request, its variables substituted. A body goes out as `application/scim+json`
/// unless the step names another Content-Type.
pub(crate) fn render(step: &Step, vars: &Vars) -> Result<RawRequest, CheckError> {
    let mut headers = step
        .headers
        .iter()
        .map(|(name, value)| Ok((name.clone(), vars.render(value)?)))
        .collect::<Result<Vec<_>, CheckError>>()?;
    let json = match (&step.body, &step.body_base) {
        (Some(Body::Json(value)), None) => Some(vars.render_json(value)?),
        (body, Some(base)) => {
            let mut merged = vars
                .lookup(base)
                .filter(Value::is_object)
                .ok_or_else(|| CheckError::BodyBase(base.clone()))?;
            if let Some(Body::Json(value)) = body {
                merge_into(&mut merged, vars.render_json(value)?);
            }
            Some(merged)
        }
        (_, None) => None,
    };
    let body = match (&step.body, json) {
        (_, Some(json)) => {
            Some(
                serde_json::to_vec(&json).map_err(|error| CheckError::Serialise {
                    what: "the body",
                    error,
                })?,
            )
        }
        (Some(Body::Raw(template)), None) => Some(vars.render(template)?.into_bytes()),
        (_, None) => None,
    };
    let names_content_type = headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    if body.is_some() && !names_content_type {
        headers.push(("Content-Type".to_owned(), SCIM_MEDIA_TYPE.to_owned()));
    }
    let target = step
        .target
        .as_ref()
        .map(|target| match step.encoding {
            Some(encoding) => vars.render_target(target, encoding),
            None => vars.render(target),
        })
        .transpose()?;
    let path = match &target {
        Some(target) => target.split('?').next().unwrap_or_default().to_owned(),
        None => vars.render_path(&step.path)?,
    };
    let query = step
        .query
        .iter()
        .map(|(name, value)| Ok((name.clone(), vars.render(value)?)))
        .collect::<Result<_, CheckError>>()?;
    Ok(RawRequest {
        method: step.method,
        path,
        query,
        target,
        headers,
        body,
        credentials: step.auth,
    })
}

/// `GET /Users?filter=userName eq "x"`: what a request sends, readable.
pub(crate) fn label(request: &RawRequest) -> String {
    if let Some(target) = &request.target {
        return format!("{} {target}", request.method);
    }
    let query: Vec<String> = request
        .query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if query.is_empty() {
        format!("{} {}", request.method, request.path)
    } else {
        format!("{} {}?{}", request.method, request.path, query.join("&"))
    }
}

/// The request with a fuller User body ([`setup::fuller_user`]) and what was added; `None` when
/// its body is not JSON or lacks nothing.
pub(crate) fn with_fuller_user(request: &RawRequest) -> Option<(RawRequest, Vec<&'static str>)> {
    let body: Value = serde_json::from_slice(request.body.as_deref()?).ok()?;
    let (fuller, added) = setup::fuller_user(&body)?;
    let bytes = serde_json::to_vec(&fuller).ok()?;
    Some((
        RawRequest {
            body: Some(bytes),
            ..request.clone()
        },
        added,
    ))
}

/// An endpoint as compared for the fuller-body rule: lowercased, no trailing `/`.
pub(crate) fn endpoint_key(path: &str) -> String {
    path.trim_end_matches('/').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::suite::parse_suite;

    fn step(toml: &str) -> Step {
        let text = format!(
            "[suite]\nname = \"t\"\ntitle = \"T\"\n[[check]]\nid = \"t.c\"\ntitle = \"c\"\n\
             rfc = \"-\"\nlevel = \"MUST\"\n[[check.step]]\n{toml}"
        );
        let suite = parse_suite("t.toml", &text).unwrap_or_else(|e| panic!("{e}"));
        suite.checks[0].steps[0].clone()
    }

    #[test]
    fn a_json_body_is_scim_json_and_variables_are_encoded_in_the_path_only() {
        let vars = Vars::new("r", "t.c", 0);
        vars.set("id", json!("a/b"));
        let step = step(
            "method = \"PATCH\"\npath = \"/Users/{{uuid.x}}\"\nquery = { q = \"{{run_id}} x\" }\n\
             body = { id = \"{{run_id}}\" }",
        );
        let request = render(&step, &vars).unwrap();
        assert_eq!(request.method, Method::Patch);
        assert_eq!(request.path, format!("/Users/{}", vars.uuid("x")));
        assert_eq!(request.query, [("q".to_owned(), "r x".to_owned())]);
        assert_eq!(request.body.as_deref(), Some(&b"{\"id\":\"r\"}"[..]));
        assert_eq!(
            request.headers,
            [(
                "Content-Type".to_owned(),
                "application/scim+json".to_owned()
            )]
        );
        assert_eq!(
            label(&request),
            format!("PATCH /Users/{}?q=r x", vars.uuid("x"))
        );
    }

    #[test]
    fn a_target_is_sent_as_written_and_its_path_describes_it() {
        let vars = Vars::new("r", "t.c", 0);
        let step = step(
            "method = \"GET\"\ntarget = '/Users?filter=userName+eq+\"{{run_id}}\"'\n\
             headers = { \"Content-Type\" = \"application/json\" }\nbody_raw = \"{\"\nauth = false",
        );
        let request = render(&step, &vars).unwrap();
        assert_eq!(
            request.target.as_deref(),
            Some("/Users?filter=userName+eq+\"r\"")
        );
        assert_eq!(request.path, "/Users");
        assert_eq!(request.headers.len(), 1, "the step's Content-Type is kept");
        assert!(!request.credentials);
        assert_eq!(label(&request), "GET /Users?filter=userName+eq+\"r\"");
    }

    #[test]
    fn a_body_base_is_the_object_read_earlier_with_the_body_merged_over_it() {
        let text = "[suite]\nname = \"t\"\ntitle = \"T\"\n[[check]]\nid = \"t.c\"\ntitle = \"c\"\n\
                    rfc = \"-\"\nlevel = \"MUST\"\n[[check.step]]\nmethod = \"GET\"\n\
                    path = \"/Users/u1\"\ncapture = { user = \"\" }\n[[check.step]]\n\
                    method = \"PUT\"\npath = \"/Users/u1\"\nbody_base = \"{{user}}\"\n\
                    body = { name = { givenName = \"{{run_id}}\" } }";
        let suite = parse_suite("t.toml", text).unwrap_or_else(|e| panic!("{e}"));
        let put = &suite.checks[0].steps[1];
        let vars = Vars::new("r", "t.c", 0);
        vars.set(
            "user",
            json!({"id": "u1", "name": {"givenName": "A", "familyName": "B"}, "active": true}),
        );
        let request = render(put, &vars).unwrap();
        assert_eq!(
            request.body.as_deref(),
            Some(&br#"{"id":"u1","name":{"givenName":"r","familyName":"B"},"active":true}"#[..]),
            "the read user, in its order, with the new given name"
        );
        vars.set("user", json!("not an object"));
        assert_eq!(
            render(put, &vars).unwrap_err().to_string(),
            "`{{user}}` does not hold a JSON object for the body to be merged over"
        );
    }

    #[test]
    fn a_fuller_user_keeps_everything_else_of_the_request() {
        let mut request = plain(Method::Post, "/Users/", Vec::new());
        request.body = Some(br#"{"userName":"x"}"#.to_vec());
        let (fuller, added) = with_fuller_user(&request).expect("things to add");
        assert!(added.contains(&"name.formatted"));
        assert_eq!(fuller.path, request.path);
        assert_eq!(endpoint_key(&fuller.path), "/users");
        assert_eq!(
            with_fuller_user(&plain(Method::Post, "/Users", Vec::new())),
            None
        );
    }
}

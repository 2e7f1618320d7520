//! One test per `--quirk`: a request whose answer differs from the clean server's in exactly
//! the named way, and a neighbouring behaviour that stays as it was.

use std::time::{Duration, Instant};

use reqwest::Method;
use scimctl::serve::Quirk;
use serde_json::{Value, json};

use super::common::{Answer, BULK, GROUP, Harness, PATCH_OP, USER, Wire, ids_of, text};

const PX: &str = "/Users?filter=userName%20eq%20%22px%22";

/// Starts a clean server and a quirky one with the same users.
async fn pair(quirk: Quirk, users: &[&str]) -> (Harness, Harness) {
    let clean = Harness::start().await;
    let quirky = Harness::with_quirks(&[quirk]).await;
    for name in users {
        clean.user(name).await;
        quirky.user(name).await;
    }
    (clean, quirky)
}

async fn stop(clean: Harness, quirky: Harness) {
    clean.stop().await;
    quirky.stop().await;
}

#[tokio::test]
async fn eq_substring_makes_eq_match_substrings() {
    let (clean, quirky) = pair(Quirk::EqSubstring, &["px", "px_1"]).await;
    assert_eq!(clean.get(PX).await.json()["totalResults"], 1);
    assert_eq!(quirky.get(PX).await.json()["totalResults"], 2);
    let sw = "/Users?filter=userName%20sw%20%22px_%22";
    assert_eq!(
        quirky.get(sw).await.json()["totalResults"],
        1,
        "other operators unchanged"
    );
    stop(clean, quirky).await;
}

#[tokio::test]
async fn absent_attribute_filter_400_refuses_email_filters_while_a_user_has_no_emails() {
    let (clean, quirky) = pair(Quirk::AbsentAttributeFilter400, &[]).await;
    let holder =
        json!({"userName": "holder", "emails": [{"value": "h@example.com", "type": "work"}]});
    let by_email = "/Users?filter=emails.value%20eq%20%22h%40example.com%22";
    let by_work_email = "/Users?filter=emails%5Btype%20eq%20%22work%22%5D";
    for server in [&clean, &quirky] {
        server.user_with(holder.clone()).await;
    }
    assert_eq!(
        quirky.get(by_email).await.json()["totalResults"],
        1,
        "answered while every user has emails"
    );
    for server in [&clean, &quirky] {
        server.user("no-emails").await;
    }
    assert_eq!(clean.get(by_email).await.json()["totalResults"], 1);
    quirky
        .get(by_email)
        .await
        .assert_error(400, Some("invalidValue"));
    quirky
        .get(by_work_email)
        .await
        .assert_error(400, Some("invalidValue"));
    let present = "/Users?filter=emails%20pr";
    assert_eq!(
        quirky.get(present).await.json()["totalResults"],
        1,
        "a presence test is still answered"
    );
    stop(clean, quirky).await;
}

#[tokio::test]
async fn case_sensitive_username_breaks_case_insensitive_matching() {
    let (clean, quirky) = pair(Quirk::CaseSensitiveUsername, &["px"]).await;
    let upper = "/Users?filter=userName%20eq%20%22PX%22";
    assert_eq!(clean.get(upper).await.json()["totalResults"], 1);
    assert_eq!(quirky.get(upper).await.json()["totalResults"], 0);
    assert_eq!(
        quirky.get(PX).await.json()["totalResults"],
        1,
        "exact case still matches"
    );
    let dup = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "PX"});
    quirky
        .post("/Users", dup)
        .await
        .assert_error(409, Some("uniqueness"));
    stop(clean, quirky).await;
}

#[tokio::test]
async fn filter_no_match_404_answers_404_for_empty_filtered_lists() {
    let (clean, quirky) = pair(Quirk::FilterNoMatch404, &["someone"]).await;
    let none = "/Users?filter=userName%20eq%20%22nobody%22";
    assert_eq!(clean.get(none).await.status, 200);
    quirky.get(none).await.assert_error(404, None);
    assert_eq!(
        quirky.get("/Groups").await.status,
        200,
        "unfiltered empty list unchanged"
    );
    stop(clean, quirky).await;
}

#[tokio::test]
async fn zero_based_start_index_skips_the_first_resource_at_one() {
    let (clean, quirky) = pair(Quirk::ZeroBasedStartIndex, &["u1", "u2", "u3"]).await;
    let page = "/Users?startIndex=1&count=1";
    let clean_page = clean.get(page).await.json();
    let quirky_page = quirky.get(page).await.json();
    assert_eq!(clean_page["Resources"][0]["userName"], "u1");
    assert_eq!(quirky_page["Resources"][0]["userName"], "u2");
    assert_eq!(quirky_page["totalResults"], 3, "totals unchanged");
    stop(clean, quirky).await;
}

#[tokio::test]
async fn total_results_page_size_reports_the_page_as_the_total() {
    let (clean, quirky) = pair(Quirk::TotalResultsPageSize, &["u1", "u2", "u3"]).await;
    let page = "/Users?count=2";
    assert_eq!(clean.get(page).await.json()["totalResults"], 3);
    let quirky_page = quirky.get(page).await.json();
    assert_eq!(quirky_page["totalResults"], 2);
    assert_eq!(ids_of(&quirky_page).len(), 2, "the page itself unchanged");
    stop(clean, quirky).await;
}

#[tokio::test]
async fn lowercase_resources_renames_the_list_key() {
    let (clean, quirky) = pair(Quirk::LowercaseResources, &["u1"]).await;
    let clean_list = clean.get("/Users").await.json();
    let quirky_list = quirky.get("/Users").await.json();
    assert!(clean_list.get("Resources").is_some() && clean_list.get("resources").is_none());
    assert!(quirky_list.get("resources").is_some() && quirky_list.get("Resources").is_none());
    assert_eq!(
        quirky_list["resources"][0]["userName"], "u1",
        "the page unchanged"
    );
    assert_eq!(quirky_list["totalResults"], 1);
    stop(clean, quirky).await;
}

#[tokio::test]
async fn json_content_type_labels_responses_application_json() {
    let (clean, quirky) = pair(Quirk::JsonContentType, &[]).await;
    assert_eq!(
        clean.get("/Users").await.header("content-type"),
        Some("application/scim+json")
    );
    let answer = quirky.get("/Users").await;
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.json()["totalResults"], 0, "the body unchanged");
    stop(clean, quirky).await;
}

#[tokio::test]
async fn numeric_error_status_sends_status_as_a_number() {
    let (clean, quirky) = pair(Quirk::NumericErrorStatus, &[]).await;
    assert_eq!(clean.get("/Users/none").await.json()["status"], "404");
    let body = quirky.get("/Users/none").await.json();
    assert_eq!(body["status"], 404);
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    stop(clean, quirky).await;
}

#[tokio::test]
async fn case_sensitive_patch_op_rejects_capitalised_ops() {
    let (clean, quirky) = pair(Quirk::CaseSensitivePatchOp, &[]).await;
    let capital = json!([{"op": "Replace", "path": "displayName", "value": "X"}]);
    let lower = json!([{"op": "replace", "path": "displayName", "value": "Y"}]);
    let clean_user = clean.user("u").await;
    let quirky_user = quirky.user("u").await;
    let clean_path = format!("/Users/{}", text(&clean_user, "id"));
    let quirky_path = format!("/Users/{}", text(&quirky_user, "id"));
    assert_eq!(clean.patch(&clean_path, capital.clone()).await.status, 200);
    quirky
        .patch(&quirky_path, capital)
        .await
        .assert_error(400, Some("invalidSyntax"));
    assert_eq!(
        quirky.get(&quirky_path).await.json(),
        quirky_user,
        "nothing changed"
    );
    assert_eq!(
        quirky.patch(&quirky_path, lower).await.status,
        200,
        "lowercase unchanged"
    );
    stop(clean, quirky).await;
}

#[tokio::test]
async fn reject_string_booleans_refuses_true_and_false_strings() {
    let (clean, quirky) = pair(Quirk::RejectStringBooleans, &[]).await;
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "s", "active": "False"});
    let created = clean.post("/Users", body.clone()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json()["active"], false);
    quirky
        .post("/Users", body)
        .await
        .assert_error(400, Some("invalidValue"));
    let user = quirky
        .user_with(json!({"userName": "s", "active": true}))
        .await;
    let path = format!("/Users/{}", text(&user, "id"));
    quirky
        .patch(
            &path,
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        )
        .await
        .assert_error(400, Some("invalidValue"));
    let real = quirky
        .patch(
            &path,
            json!([{"op": "replace", "path": "active", "value": false}]),
        )
        .await;
    assert_eq!(real.status, 200, "JSON booleans unchanged");
    stop(clean, quirky).await;
}

#[tokio::test]
async fn member_removal_empties_group_wipes_all_members_on_a_listed_removal() {
    for quirky in [false, true] {
        let h = if quirky {
            Harness::with_quirks(&[Quirk::MemberRemovalEmptiesGroup]).await
        } else {
            Harness::start().await
        };
        let ids: Vec<String> = [h.user("a").await, h.user("b").await, h.user("c").await]
            .iter()
            .map(|u| text(u, "id").to_string())
            .collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let group = h.group("three", &refs).await;
        let path = format!("/Groups/{}", text(&group, "id"));
        let legacy = json!([{"op": "Remove", "path": "members", "value": [{"value": ids[0]}]}]);
        let answer = h.patch(&path, legacy).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let left = answer.json()["members"].as_array().map_or(0, Vec::len);
        assert_eq!(left, if quirky { 0 } else { 2 });
        let filtered = json!([{"op": "add", "path": "members", "value": [{"value": ids[1]}, {"value": ids[2]}]},
                              {"op": "remove", "path": format!("members[value eq \"{}\"]", ids[1])}]);
        let answer = h.patch(&path, filtered).await;
        assert_eq!(
            answer.json()["members"].as_array().map_or(0, Vec::len),
            1,
            "filter form unchanged"
        );
        h.stop().await;
    }
}

#[tokio::test]
async fn ignore_excluded_attributes_returns_excluded_attributes() {
    let (clean, quirky) = pair(Quirk::IgnoreExcludedAttributes, &["u"]).await;
    let excluded = "/Users?excludedAttributes=userName";
    assert!(
        clean.get(excluded).await.json()["Resources"][0]
            .get("userName")
            .is_none()
    );
    assert_eq!(
        quirky.get(excluded).await.json()["Resources"][0]["userName"],
        "u"
    );
    let only = quirky.get("/Users?attributes=id").await.json();
    assert!(
        only["Resources"][0].get("userName").is_none(),
        "attributes unchanged"
    );
    stop(clean, quirky).await;
}

#[tokio::test]
async fn patch_no_content_answers_204() {
    let (clean, quirky) = pair(Quirk::PatchNoContent, &[]).await;
    for (h, expected) in [(&clean, 200), (&quirky, 204)] {
        let user = h.user("p").await;
        let path = format!("/Users/{}", text(&user, "id"));
        let ops = json!([{"op": "add", "path": "title", "value": "T"}]);
        let answer = h.patch(&path, ops.clone()).await;
        assert_eq!(answer.status, expected);
        assert_eq!(answer.text.is_empty(), expected == 204);
        assert_eq!(
            h.get(&path).await.json()["title"],
            "T",
            "the change is stored"
        );
        let asked = h.patch(&format!("{path}?attributes=title"), ops).await;
        assert_eq!(
            asked.status, 200,
            "attributes asked for: 200 with a body (RFC 7644 §3.5.2)"
        );
    }
    stop(clean, quirky).await;
}

#[tokio::test]
async fn no_content_html_labels_a_204_as_html_and_nothing_else() {
    let (clean, quirky) = pair(Quirk::NoContentHtml, &[]).await;
    for (h, label) in [(&clean, None), (&quirky, Some("text/html; charset=utf-8"))] {
        let user = h.user("p").await;
        let path = format!("/Users/{}", text(&user, "id"));
        let read = h.get(&path).await;
        assert_eq!(
            read.header("content-type"),
            Some("application/scim+json"),
            "answers with a body unchanged"
        );
        let deleted = h.delete(&path).await;
        assert_eq!(deleted.status, 204);
        assert_eq!(deleted.text, "", "still no content");
        assert_eq!(deleted.header("content-type"), label);
        h.get(&path).await.assert_error(404, None);
    }
    stop(clean, quirky).await;
}

#[tokio::test]
async fn no_content_html_labels_a_patch_204_too() {
    let server =
        super::common::Harness::with_quirks(&[Quirk::NoContentHtml, Quirk::PatchNoContent]).await;
    let user = server.user("p").await;
    let path = format!("/Users/{}", text(&user, "id"));
    let ops = json!([{"op": "add", "path": "title", "value": "T"}]);
    let patched = server.patch(&path, ops).await;
    assert_eq!(patched.status, 204);
    assert_eq!(patched.text, "");
    assert_eq!(
        patched.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    server.stop().await;
}

#[tokio::test]
async fn put_not_stored_answers_200_but_keeps_the_old_resource() {
    let (clean, quirky) = pair(Quirk::PutNotStored, &[]).await;
    for (h, stored) in [(&clean, true), (&quirky, false)] {
        let user = h.user_with(json!({"userName": "p", "title": "old"})).await;
        let path = format!("/Users/{}", text(&user, "id"));
        let mut body = user.clone();
        body["title"] = json!("new");
        let answer = h.put(&path, body).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.json()["title"], "new");
        let title = h.get(&path).await.json()["title"].clone();
        assert_eq!(title, if stored { "new" } else { "old" });
        let patched = h
            .patch(
                &path,
                json!([{"op": "replace", "path": "title", "value": "patched"}]),
            )
            .await;
        assert_eq!(patched.json()["title"], "patched", "PATCH unchanged");
    }
    stop(clean, quirky).await;
}

/// Sends `method path` with one extra header, and a PatchOp body when operations are given.
async fn with_header(
    h: &Harness,
    method: Method,
    path: &str,
    header: (&str, &str),
    operations: Option<Value>,
) -> Answer {
    let mut request = h
        .client
        .request(method, h.url(path))
        .header(header.0, header.1);
    if let Some(operations) = operations {
        let body = json!({"schemas": [PATCH_OP], "Operations": operations});
        request = request
            .header("content-type", "application/scim+json")
            .body(body.to_string());
    }
    h.raw(request).await
}

#[tokio::test]
async fn ignore_if_match_applies_writes_with_a_stale_version() {
    let (clean, quirky) = pair(Quirk::IgnoreIfMatch, &[]).await;
    let stale = ("if-match", "W/\"999\"");
    for (h, refused) in [(&clean, true), (&quirky, false)] {
        let user = h.user_with(json!({"userName": "m", "title": "old"})).await;
        let path = format!("/Users/{}", text(&user, "id"));
        let ops = json!([{"op": "replace", "path": "title", "value": "new"}]);
        let patched = with_header(h, Method::PATCH, &path, stale, Some(ops)).await;
        let title = h.get(&path).await.json()["title"].clone();
        if refused {
            patched.assert_error(412, None);
            assert_eq!(title, "old");
        } else {
            assert_eq!(patched.status, 200, "{}", patched.text);
            assert_eq!(title, "new");
        }
        let deleted = with_header(h, Method::DELETE, &path, stale, None).await;
        assert_eq!(deleted.status, if refused { 412 } else { 204 });
    }
    let user = quirky.user("n").await;
    let path = format!("/Users/{}", text(&user, "id"));
    let version = user["meta"]["version"].as_str().unwrap_or_default();
    let current = ("if-none-match", version);
    let unchanged = with_header(&quirky, Method::GET, &path, current, None).await;
    assert_eq!(unchanged.status, 304, "If-None-Match unchanged");
    stop(clean, quirky).await;
}

#[tokio::test]
async fn always_not_modified_answers_304_to_an_outdated_version() {
    let (clean, quirky) = pair(Quirk::AlwaysNotModified, &[]).await;
    for (h, stale_answer) in [(&clean, 200), (&quirky, 304)] {
        let user = h.user_with(json!({"userName": "v", "title": "one"})).await;
        let path = format!("/Users/{}", text(&user, "id"));
        let old_version = user["meta"]["version"].as_str().unwrap_or_default();
        let ops = json!([{"op": "replace", "path": "title", "value": "two"}]);
        assert_eq!(h.patch(&path, ops).await.status, 200);
        let outdated = ("if-none-match", old_version);
        let answer = with_header(h, Method::GET, &path, outdated, None).await;
        assert_eq!(answer.status, stale_answer);
        assert_eq!(answer.text.is_empty(), stale_answer == 304);
        assert_eq!(
            h.get(&path).await.json()["title"],
            "two",
            "a GET without the header unchanged"
        );
        let stale_write = ("if-match", old_version);
        let ops = json!([{"op": "replace", "path": "title", "value": "three"}]);
        with_header(h, Method::PATCH, &path, stale_write, Some(ops))
            .await
            .assert_error(412, None);
    }
    stop(clean, quirky).await;
}

#[tokio::test]
async fn ignore_fail_on_errors_runs_the_operations_after_the_limit() {
    let (clean, quirky) = pair(Quirk::IgnoreFailOnErrors, &["taken"]).await;
    let post = |bulk_id: &str, user_name: &str| {
        json!({"method": "POST", "path": "/Users", "bulkId": bulk_id,
               "data": {"schemas": [USER], "userName": user_name}})
    };
    let request = json!({"schemas": [BULK], "failOnErrors": 1,
                         "Operations": [post("dup", "taken"), post("later", "later")]});
    for (h, performed) in [(&clean, 1), (&quirky, 2)] {
        let answer = h.post("/Bulk", request.clone()).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let results = answer.json()["Operations"].clone();
        let statuses: Vec<&str> = results
            .as_array()
            .map(|ops| ops.iter().filter_map(|op| op["status"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(statuses.len(), performed);
        assert_eq!(
            statuses[0], "409",
            "the failure itself is reported as before"
        );
        let later = "/Users?filter=userName%20eq%20%22later%22";
        assert_eq!(h.get(later).await.json()["totalResults"], performed - 1);
    }
    stop(clean, quirky).await;
}

#[tokio::test]
async fn ignore_sort_keeps_the_store_order() {
    let (clean, quirky) = pair(Quirk::IgnoreSort, &["charlie", "Alpha", "bravo"]).await;
    let names = |list: &Value| -> Vec<String> {
        list["Resources"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|r| r["userName"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let sorted = "/Users?sortBy=userName&sortOrder=descending";
    let clean_list = clean.get(sorted).await;
    assert_eq!(names(&clean_list.json()), ["charlie", "bravo", "Alpha"]);
    let quirky_list = quirky.get(sorted).await;
    assert_eq!(quirky_list.status, 200, "sortBy is accepted");
    assert_eq!(names(&quirky_list.json()), ["charlie", "Alpha", "bravo"]);
    let filtered = quirky
        .get("/Users?sortBy=userName&filter=userName%20sw%20%22b%22&count=1")
        .await
        .json();
    assert_eq!(
        (names(&filtered), &filtered["totalResults"]),
        (vec!["bravo".to_string()], &json!(1)),
        "filter and paging unchanged"
    );
    stop(clean, quirky).await;
}

#[tokio::test]
async fn ignore_null_replace_keeps_the_attribute() {
    let (clean, quirky) = pair(Quirk::IgnoreNullReplace, &[]).await;
    for (h, cleared) in [(&clean, true), (&quirky, false)] {
        let user = h
            .user_with(json!({"userName": "z", "title": "Pilot", "nickName": "Z"}))
            .await;
        let path = format!("/Users/{}", text(&user, "id"));
        let with_path = json!([{"op": "replace", "path": "title", "value": null}]);
        let answer = h.patch(&path, with_path).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let pathless = json!([{"op": "replace", "value": {"nickName": null, "displayName": "D"}}]);
        assert_eq!(h.patch(&path, pathless).await.status, 200);
        let stored = h.get(&path).await.json();
        assert_eq!(stored.get("title").is_none(), cleared, "{stored}");
        assert_eq!(stored.get("nickName").is_none(), cleared, "{stored}");
        assert_eq!(
            stored["displayName"], "D",
            "other members of the value unchanged"
        );
        let remove = json!([{"op": "remove", "path": "displayName"}]);
        assert_eq!(h.patch(&path, remove).await.status, 200);
        assert!(
            h.get(&path).await.json().get("displayName").is_none(),
            "remove unchanged"
        );
    }
    stop(clean, quirky).await;
}

#[tokio::test]
async fn or_as_and_makes_or_require_both_sides() {
    let (clean, quirky) = pair(Quirk::OrAsAnd, &["left", "right"]).await;
    let either = "/Users?filter=userName%20eq%20%22left%22%20or%20userName%20eq%20%22right%22";
    assert_eq!(clean.get(either).await.json()["totalResults"], 2);
    assert_eq!(quirky.get(either).await.json()["totalResults"], 0);
    let and = "/Users?filter=userName%20sw%20%22r%22%20and%20userName%20ew%20%22t%22";
    assert_eq!(
        quirky.get(and).await.json()["totalResults"],
        1,
        "`and` unchanged"
    );
    stop(clean, quirky).await;
}

#[tokio::test]
async fn add_replaces_list_drops_the_values_already_there() {
    let (clean, quirky) = pair(Quirk::AddReplacesList, &[]).await;
    for (h, appended) in [(&clean, true), (&quirky, false)] {
        let ids: Vec<String> = [h.user("a").await, h.user("b").await, h.user("c").await]
            .iter()
            .map(|u| text(u, "id").to_string())
            .collect();
        let group = h.group("team", &[&ids[0], &ids[1]]).await;
        let path = format!("/Groups/{}", text(&group, "id"));
        let add = json!([{"op": "add", "path": "members", "value": [{"value": ids[2]}]}]);
        let answer = h.patch(&path, add).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let members = answer.json()["members"].as_array().map_or(0, Vec::len);
        assert_eq!(members, if appended { 3 } else { 1 });
        let single = json!([{"op": "add", "path": "displayName", "value": "crew"}]);
        assert_eq!(
            h.patch(&path, single).await.json()["displayName"],
            "crew",
            "add of a single value unchanged"
        );
    }
    stop(clean, quirky).await;
}

#[tokio::test]
async fn reject_value_path_patch_refuses_filtered_paths() {
    let (clean, quirky) = pair(Quirk::RejectValuePathPatch, &[]).await;
    let emails = json!({"userName": "e", "emails": [{"type": "work", "value": "e@work.example"}]});
    let filtered = json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "e@new.example"}]);
    let clean_user = clean.user_with(emails.clone()).await;
    let clean_path = format!("/Users/{}", text(&clean_user, "id"));
    assert_eq!(clean.patch(&clean_path, filtered.clone()).await.status, 200);
    let user = quirky.user_with(emails).await;
    let path = format!("/Users/{}", text(&user, "id"));
    quirky
        .patch(&path, filtered)
        .await
        .assert_error(400, Some("invalidPath"));
    assert_eq!(quirky.get(&path).await.json(), user, "nothing changed");
    let plain = json!([{"op": "replace", "path": "emails", "value": [{"type": "work", "value": "e@new.example"}]}]);
    assert_eq!(
        quirky.patch(&path, plain).await.status,
        200,
        "paths without a filter unchanged"
    );
    let found = "/Users?filter=emails%5Btype%20eq%20%22work%22%5D";
    assert_eq!(
        quirky.get(found).await.json()["totalResults"],
        1,
        "value paths in filters unchanged"
    );
    stop(clean, quirky).await;
}

#[tokio::test]
async fn duplicate_400_answers_a_uniqueness_conflict_with_400() {
    let (clean, quirky) = pair(Quirk::Duplicate400, &["taken"]).await;
    let again = json!({"schemas": [USER], "userName": "TAKEN"});
    clean
        .post("/Users", again.clone())
        .await
        .assert_error(409, Some("uniqueness"));
    quirky
        .post("/Users", again)
        .await
        .assert_error(400, Some("invalidValue"));
    quirky.group("team", &[]).await;
    let group = json!({"schemas": [GROUP], "displayName": "team"});
    quirky
        .post("/Groups", group)
        .await
        .assert_error(400, Some("invalidValue"));
    quirky.get("/Users/none").await.assert_error(404, None);
    stop(clean, quirky).await;
}

#[tokio::test]
async fn rate_limit_answers_every_nth_request_with_429() {
    let h = Harness::with_quirks(&[Quirk::RateLimit(3)]).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let answer = h.get("/Users").await;
        if answer.status == 429 {
            assert_eq!(answer.header("retry-after"), Some("1"));
            answer.assert_error(429, None);
        }
        statuses.push(answer.status);
    }
    assert_eq!(statuses, [200, 200, 429, 200, 200, 429]);
    h.stop().await;
}

#[tokio::test]
async fn drop_connections_applies_every_nth_request_then_closes_without_an_answer() {
    let h = Harness::with_quirks(&[Quirk::DropConnections(2)]).await;
    let create = |name: &str| {
        h.client
            .post(h.url("/Users"))
            .bearer_auth(h.server.token())
            .header("content-type", "application/scim+json")
            .body(json!({"schemas": [USER], "userName": name}).to_string())
            .send()
    };
    assert_eq!(create("first").await.expect("answered").status(), 201);
    let lost = create("second").await;
    assert!(lost.is_err(), "the second request gets no answer: {lost:?}");
    let list = h
        .get("/Users?filter=userName%20eq%20%22second%22")
        .await
        .json();
    assert_eq!(list["totalResults"], 1, "yet its create was applied");
    let read = h
        .client
        .get(h.url("/Users"))
        .bearer_auth(h.server.token())
        .send()
        .await;
    assert!(read.is_err(), "reads are cut too: every second request");
    assert_eq!(h.get("/Users").await.json()["totalResults"], 2);
    h.stop().await;
}

#[tokio::test]
async fn no_auth_serves_requests_without_a_token() {
    let (clean, quirky) = pair(Quirk::NoAuth, &[]).await;
    assert_eq!(
        clean
            .anonymous(clean.client.get(clean.url("/Users")))
            .await
            .status,
        401
    );
    let answer = quirky
        .anonymous(quirky.client.get(quirky.url("/Users")))
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        quirky.get("/Users/none").await.status,
        404,
        "routing unchanged"
    );
    stop(clean, quirky).await;
}

#[tokio::test]
async fn charset_adds_a_charset_parameter() {
    let (clean, quirky) = pair(Quirk::Charset, &[]).await;
    assert_eq!(
        clean.get("/Users").await.header("content-type"),
        Some("application/scim+json")
    );
    let answer = quirky.get("/Users").await;
    assert_eq!(
        answer.header("content-type"),
        Some("application/scim+json; charset=utf-8")
    );
    assert_eq!(answer.status, 200);
    stop(clean, quirky).await;
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let (clean, quirky) = pair(Quirk::Latency(150), &[]).await;
    let started = Instant::now();
    assert_eq!(quirky.get("/Users").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    let started = Instant::now();
    assert_eq!(clean.get("/Users").await.status, 200);
    assert!(started.elapsed() < Duration::from_millis(150));
    stop(clean, quirky).await;
}

#[tokio::test]
async fn group_writes_are_untouched_by_user_quirks() {
    let h = Harness::with_quirks(&[Quirk::CaseSensitiveUsername, Quirk::EqSubstring]).await;
    h.group("Team", &[]).await;
    let dup = json!({"schemas": [GROUP], "displayName": "TEAM"});
    h.post("/Groups", dup)
        .await
        .assert_error(409, Some("uniqueness"));
    h.stop().await;
}

#[tokio::test]
async fn ignore_bulk_limits_runs_bulk_requests_over_both_limits() {
    let limits = scimctl::serve::Limits {
        bulk_max_operations: 1,
        max_payload_size: 2048,
        ..scimctl::serve::Limits::default()
    };
    let quirks = scimctl::serve::Quirks::from_list(&[Quirk::IgnoreBulkLimits]);
    let clean = Harness::with(scimctl::serve::ServeConfig {
        limits: limits.clone(),
        ..Default::default()
    })
    .await;
    let quirky = Harness::with(scimctl::serve::ServeConfig {
        limits,
        quirks,
        ..Default::default()
    })
    .await;
    let create = |name: &str| {
        json!({"method": "POST", "path": "/Users", "bulkId": name,
               "data": {"schemas": [super::common::USER], "userName": name}})
    };
    let two = json!({"schemas": [super::common::BULK], "Operations": [create("a"), create("b")]});
    clean
        .post("/Bulk", two.clone())
        .await
        .assert_error(413, None);
    assert_eq!(quirky.post("/Bulk", two).await.status, 200);
    assert_eq!(quirky.get("/Users").await.json()["totalResults"], 2);
    let padded =
        json!({"schemas": [super::common::BULK], "Operations": [create(&"c".repeat(3000))]});
    clean
        .post("/Bulk", padded.clone())
        .await
        .assert_error(413, None);
    assert_eq!(quirky.post("/Bulk", padded).await.status, 200);
    let big_user = json!({"schemas": [super::common::USER], "userName": "d".repeat(3000)});
    quirky
        .post("/Users", big_user)
        .await
        .assert_error(413, None);
    stop(clean, quirky).await;
}

#[tokio::test]
async fn discovery_filter_ignored_serves_filtered_discovery_requests() {
    let (clean, quirky) = pair(Quirk::DiscoveryFilterIgnored, &[]).await;
    let filtered = "/ResourceTypes?filter=name%20eq%20%22User%22";
    clean.get(filtered).await.assert_error(403, None);
    let answer = quirky.get(filtered).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["totalResults"], 2, "the filter was ignored");
    quirky
        .get("/Users?filter=userName%20eq%20%22nobody%22")
        .await
        .json()["totalResults"]
        .as_u64()
        .map(|total| assert_eq!(total, 0, "resource filters still apply"))
        .expect("a list");
    stop(clean, quirky).await;
}

#[tokio::test]
async fn require_user_agent_refuses_requests_without_one_with_html() {
    let (clean, quirky) = pair(Quirk::RequireUserAgent, &[]).await;
    assert_eq!(
        clean
            .raw(clean.client.get(clean.url("/Users")))
            .await
            .status,
        200
    );
    let refused = quirky.raw(quirky.client.get(quirky.url("/Users"))).await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.header("content-type"), Some("text/html"));
    let with_agent = quirky
        .client
        .get(quirky.url("/Users"))
        .header("user-agent", "test");
    assert_eq!(quirky.raw(with_agent).await.status, 200);
    stop(clean, quirky).await;
}

#[tokio::test]
async fn soft_delete_answers_204_but_keeps_the_resource() {
    let (clean, quirky) = pair(Quirk::SoftDelete, &["gone"]).await;
    let named_gone = "/Users?filter=userName%20eq%20%22gone%22";
    for (h, kept) in [(&clean, false), (&quirky, true)] {
        let id = h.ids(named_gone).await.concat();
        let path = format!("/Users/{id}");
        assert_eq!(h.delete(&path).await.status, 204);
        assert_eq!(h.get(&path).await.status == 200, kept);
        assert_eq!(h.ids(named_gone).await.len(), usize::from(kept));
    }
    quirky.delete("/Users/none").await.assert_error(404, None);
    stop(clean, quirky).await;
}

#[tokio::test]
async fn password_echoed_returns_the_stored_password() {
    let (clean, quirky) = pair(Quirk::PasswordEchoed, &[]).await;
    let with_password = json!({"userName": "pw", "password": "s3cret!", "title": "T"});
    let user = clean.user_with(with_password.clone()).await;
    assert!(user.get("password").is_none(), "{user}");
    let user = quirky.user_with(with_password).await;
    assert_eq!(user["password"], "s3cret!");
    let path = format!("/Users/{}", text(&user, "id"));
    assert_eq!(quirky.get(&path).await.json()["password"], "s3cret!");
    let listed = quirky.get("/Users?attributes=userName").await.json();
    assert_eq!(listed["Resources"][0]["password"], "s3cret!");
    assert!(
        listed["Resources"][0].get("title").is_none(),
        "the projection otherwise unchanged"
    );
    let other = quirky.user("no-password").await;
    assert!(other.get("password").is_none(), "nothing invented");
    stop(clean, quirky).await;
}

#[tokio::test]
async fn patch_not_atomic_keeps_the_operations_before_the_failing_one() {
    let (clean, quirky) = pair(Quirk::PatchNotAtomic, &[]).await;
    let half_failing = json!([
        {"op": "replace", "path": "displayName", "value": "Half"},
        {"op": "replace", "path": "id", "value": "other"},
        {"op": "replace", "path": "title", "value": "Never"},
    ]);
    for (h, kept) in [(&clean, false), (&quirky, true)] {
        let user = h
            .user_with(json!({"userName": "atom", "displayName": "Before"}))
            .await;
        let path = format!("/Users/{}", text(&user, "id"));
        h.patch(&path, half_failing.clone())
            .await
            .assert_error(400, Some("mutability"));
        let stored = h.get(&path).await.json();
        let expected = if kept { "Half" } else { "Before" };
        assert_eq!(stored["displayName"], expected);
        assert!(stored.get("title").is_none(), "nothing after the failure");
    }
    stop(clean, quirky).await;
}

#[tokio::test]
async fn filtered_remove_clears_all_removes_every_value() {
    let (clean, quirky) = pair(Quirk::FilteredRemoveClearsAll, &[]).await;
    let emails = json!({"userName": "e", "emails": [
        {"type": "work", "value": "e@work.example"},
        {"type": "home", "value": "e@home.example"},
    ]});
    let remove_work = json!([{"op": "remove", "path": "emails[type eq \"work\"]"}]);
    for (h, left) in [(&clean, 1), (&quirky, 0)] {
        let user = h.user_with(emails.clone()).await;
        let path = format!("/Users/{}", text(&user, "id"));
        assert_eq!(h.patch(&path, remove_work.clone()).await.status, 200);
        let stored = h.get(&path).await.json();
        assert_eq!(stored["emails"].as_array().map_or(0, Vec::len), left);
    }
    let user = quirky
        .user_with(json!({"userName": "t", "title": "T"}))
        .await;
    let path = format!("/Users/{}", text(&user, "id"));
    let plain = json!([{"op": "remove", "path": "title"}]);
    assert_eq!(quirky.patch(&path, plain).await.status, 200);
    assert!(
        quirky.get(&path).await.json().get("title").is_none(),
        "removes without a filter unchanged"
    );
    stop(clean, quirky).await;
}

#[tokio::test]
async fn reject_urn_paths_refuses_urn_qualified_paths_and_filters() {
    let (clean, quirky) = pair(Quirk::RejectUrnPaths, &["urn-user"]).await;
    let by_urn = "/Users?filter=urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Acore%3A2.0%3AUser%3AuserName%20eq%20%22urn-user%22";
    assert_eq!(clean.get(by_urn).await.json()["totalResults"], 1);
    quirky
        .get(by_urn)
        .await
        .assert_error(400, Some("invalidFilter"));
    let urn_path = json!([{"op": "replace",
        "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        "value": "701984"}]);
    for (h, refused) in [(&clean, false), (&quirky, true)] {
        let id = h
            .ids("/Users?filter=userName%20eq%20%22urn-user%22")
            .await
            .concat();
        let answer = h.patch(&format!("/Users/{id}"), urn_path.clone()).await;
        if refused {
            answer.assert_error(400, Some("invalidPath"));
        } else {
            assert_eq!(answer.status, 200, "{}", answer.text);
        }
    }
    let short = "/Users?filter=userName%20eq%20%22urn-user%22";
    assert_eq!(
        quirky.get(short).await.json()["totalResults"],
        1,
        "short names unchanged"
    );
    stop(clean, quirky).await;
}

#[tokio::test]
async fn location_mismatch_gives_a_location_header_other_than_meta_location() {
    let (clean, quirky) = pair(Quirk::LocationMismatch, &[]).await;
    let body = json!({"schemas": [USER], "userName": "where"});
    for (h, same) in [(&clean, true), (&quirky, false)] {
        let created = h.post("/Users", body.clone()).await;
        assert_eq!(created.status, 201);
        let meta_location = created.json()["meta"]["location"]
            .as_str()
            .map(str::to_owned)
            .expect("meta.location");
        assert!(meta_location.starts_with("http://"), "{meta_location}");
        let header = created.header("location").expect("a Location header");
        assert_eq!(header == meta_location, same);
        let without_scheme = |url: &str| url.split_once("://").map(|(_, rest)| rest.to_owned());
        assert_eq!(
            without_scheme(header),
            without_scheme(&meta_location),
            "only the scheme differs"
        );
    }
    stop(clean, quirky).await;
}

#[tokio::test]
async fn schemas_missing_user_leaves_the_user_schema_out_of_discovery() {
    let (clean, quirky) = pair(Quirk::SchemasMissingUser, &[]).await;
    let user_schema = format!("/Schemas/{USER}");
    assert_eq!(clean.get(&user_schema).await.status, 200);
    quirky.get(&user_schema).await.assert_error(404, None);
    let ids = |list: Value| {
        ids_of(&list)
            .into_iter()
            .filter(|id| id.contains(":core:"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(clean.get("/Schemas").await.json()),
        [USER.to_owned(), GROUP.to_owned()]
    );
    assert_eq!(ids(quirky.get("/Schemas").await.json()), [GROUP.to_owned()]);
    let user_type = quirky.get("/ResourceTypes/User").await.json();
    assert_eq!(user_type["schema"], USER, "resource types unchanged");
    quirky.user("still-served").await;
    stop(clean, quirky).await;
}

#[tokio::test]
async fn replace_merges_list_keeps_the_values_already_there() {
    let (clean, quirky) = pair(Quirk::ReplaceMergesList, &[]).await;
    let emails = json!({"userName": "r", "emails": [{"type": "work", "value": "r@work.example"}]});
    let replace = json!([{"op": "replace", "path": "emails", "value": [{"type": "home", "value": "r@home.example"}]}]);
    for (h, kept) in [(&clean, 1), (&quirky, 2)] {
        let user = h.user_with(emails.clone()).await;
        let path = format!("/Users/{}", text(&user, "id"));
        let answer = h.patch(&path, replace.clone()).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert_eq!(answer.json()["emails"].as_array().map_or(0, Vec::len), kept);
        let single = json!([{"op": "replace", "path": "title", "value": "T"}]);
        assert_eq!(
            h.patch(&path, single).await.json()["title"],
            "T",
            "replace of a single value unchanged"
        );
    }
    stop(clean, quirky).await;
}

#[tokio::test]
async fn discovery_write_404_answers_writes_to_discovery_with_404() {
    let (clean, quirky) = pair(Quirk::DiscoveryWrite404, &[]).await;
    let refused = clean.post("/ServiceProviderConfig", json!({})).await;
    refused.assert_error(405, None);
    assert_eq!(refused.header("allow"), Some("GET"));
    for endpoint in ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"] {
        quirky
            .post(endpoint, json!({}))
            .await
            .assert_error(404, None);
        assert_eq!(quirky.get(endpoint).await.status, 200, "reads unchanged");
    }
    quirky
        .send(Method::PUT, "/Users", Some(json!({})))
        .await
        .assert_error(405, None);
    stop(clean, quirky).await;
}

#[tokio::test]
async fn count_zero_400_refuses_count_zero() {
    let (clean, quirky) = pair(Quirk::CountZero400, &["u1", "u2"]).await;
    let empty_page = clean.get("/Users?count=0").await.json();
    assert_eq!(empty_page["totalResults"], 2);
    assert_eq!(ids_of(&empty_page).len(), 0);
    quirky
        .get("/Users?count=0")
        .await
        .assert_error(400, Some("invalidValue"));
    assert_eq!(
        ids_of(&quirky.get("/Users?count=1").await.json()).len(),
        1,
        "other counts unchanged"
    );
    stop(clean, quirky).await;
}

#[tokio::test]
async fn count_ignored_answers_every_match_whatever_count_asks() {
    let (clean, quirky) = pair(Quirk::CountIgnored, &["u1", "u2", "u3"]).await;
    for (count, clean_page) in [("0", 0), ("-1", 0), ("2", 2)] {
        let target = format!("/Users?count={count}");
        assert_eq!(
            ids_of(&clean.get(&target).await.json()).len(),
            clean_page,
            "{target}"
        );
        let page = quirky.get(&target).await.json();
        assert_eq!(ids_of(&page).len(), 3, "{target}");
        assert_eq!(page["totalResults"], 3, "{target}");
    }
    stop(clean, quirky).await;
}

#[tokio::test]
async fn pathless_patch_ignored_accepts_pathless_operations_and_changes_nothing() {
    let (clean, quirky) = pair(Quirk::PathlessPatchIgnored, &[]).await;
    let deactivate = json!([{"op": "replace", "value": {"active": false}}]);
    for (h, applied) in [(&clean, true), (&quirky, false)] {
        let user = h.user_with(json!({"userName": "p", "active": true})).await;
        let path = format!("/Users/{}", text(&user, "id"));
        assert_eq!(h.patch(&path, deactivate.clone()).await.status, 200);
        assert_eq!(h.get(&path).await.json()["active"], !applied);
        let with_path = json!([{"op": "replace", "path": "title", "value": "T"}]);
        assert_eq!(
            h.patch(&path, with_path).await.json()["title"],
            "T",
            "operations with a path unchanged"
        );
    }
    stop(clean, quirky).await;
}

#[tokio::test]
async fn reject_application_json_refuses_bodies_sent_as_application_json() {
    let (clean, quirky) = pair(Quirk::RejectApplicationJson, &[]).await;
    let body = json!({"schemas": [USER], "userName": "plain-json"});
    let as_json = |h: &Harness| {
        h.client
            .post(h.url("/Users"))
            .header("content-type", "application/json")
            .body(body.to_string())
    };
    assert_eq!(clean.raw(as_json(&clean)).await.status, 201);
    quirky.raw(as_json(&quirky)).await.assert_error(415, None);
    assert_eq!(
        quirky.post("/Users", body.clone()).await.status,
        201,
        "application/scim+json unchanged"
    );
    stop(clean, quirky).await;
}

#[tokio::test]
async fn attributes_drop_id_leaves_id_out_of_projections_that_do_not_name_it() {
    let (clean, quirky) = pair(Quirk::AttributesDropId, &[]).await;
    for (h, dropped) in [(&clean, false), (&quirky, true)] {
        let user = h.user("projected").await;
        let path = format!("/Users/{}", text(&user, "id"));
        for query in ["?attributes=userName", "?excludedAttributes=id"] {
            let shown = h.get(&format!("{path}{query}")).await.json();
            assert_eq!(shown.get("id").is_none(), dropped, "{query}: {shown}");
        }
        let named = h
            .get(&format!("{path}?attributes=id,userName"))
            .await
            .json();
        assert_eq!(named["id"], user["id"], "an id asked for is kept");
        assert_eq!(
            h.get(&path).await.json()["id"],
            user["id"],
            "the default representation unchanged"
        );
    }
    stop(clean, quirky).await;
}

#[tokio::test]
async fn etag_never_changes_keeps_the_creation_version_through_writes() {
    let (clean, quirky) = pair(Quirk::EtagNeverChanges, &[]).await;
    for (h, frozen) in [(&clean, false), (&quirky, true)] {
        let user = h.user("versioned").await;
        let path = format!("/Users/{}", text(&user, "id"));
        let before = h.get(&path).await;
        let replace = json!([{"op": "replace", "path": "displayName", "value": "Two"}]);
        assert_eq!(h.patch(&path, replace).await.status, 200);
        let after = h.get(&path).await;
        assert_eq!(after.json()["displayName"], "Two", "the write is stored");
        assert_eq!(
            after.header("etag") == before.header("etag"),
            frozen,
            "ETag {:?} then {:?}",
            before.header("etag"),
            after.header("etag")
        );
        assert_eq!(
            after.json()["meta"]["version"] == before.json()["meta"]["version"],
            frozen
        );
        let other = h.user("another").await;
        assert_ne!(
            other["meta"]["version"], user["meta"]["version"],
            "resources still have versions of their own"
        );
    }
    stop(clean, quirky).await;
}

#[tokio::test]
async fn client_id_honoured_keeps_the_id_a_create_carries() {
    let (clean, quirky) = pair(Quirk::ClientIdHonoured, &[]).await;
    let chosen = "3e2d6f1c-client-chosen";
    for (h, kept) in [(&clean, false), (&quirky, true)] {
        let user = h
            .user_with(json!({"id": chosen, "userName": "picked"}))
            .await;
        assert_eq!(text(&user, "id") == chosen, kept, "{user}");
        assert_eq!(
            h.get(&format!("/Users/{}", text(&user, "id"))).await.status,
            200
        );
        let plain = h.user("plain").await;
        assert!(
            !text(&plain, "id").is_empty(),
            "a body without id still gets one"
        );
    }
    let again = json!({"schemas": [USER], "id": chosen, "userName": "second"});
    quirky
        .post("/Users", again)
        .await
        .assert_error(409, Some("uniqueness"));
    stop(clean, quirky).await;
}

#[tokio::test]
async fn enterprise_extension_dropped_stores_none_of_the_extension() {
    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let (clean, quirky) = pair(Quirk::EnterpriseExtensionDropped, &[]).await;
    for (h, dropped) in [(&clean, false), (&quirky, true)] {
        let body = json!({
            "schemas": [USER, ENTERPRISE],
            "userName": "extended",
            "displayName": "Core kept",
            ENTERPRISE: {"department": "Tours", "employeeNumber": "701984"},
        });
        let created = h.post("/Users", body.clone()).await;
        assert_eq!(created.status, 201, "{}", created.text);
        let path = format!("/Users/{}", text(&created.json(), "id"));
        let replaced = h.put(&path, body).await;
        assert_eq!(replaced.status, 200, "{}", replaced.text);
        let stored = h.get(&path).await.json();
        assert_eq!(stored[ENTERPRISE].is_null(), dropped, "{stored}");
        assert_eq!(
            stored["displayName"], "Core kept",
            "core attributes unchanged"
        );
        let patch =
            json!([{"op": "add", "path": format!("{ENTERPRISE}:department"), "value": "Ops"}]);
        assert_eq!(h.patch(&path, patch).await.status, 200);
        assert_eq!(
            h.get(&path).await.json()[ENTERPRISE]["department"],
            "Ops",
            "PATCH still reaches the extension"
        );
    }
    stop(clean, quirky).await;
}

#[tokio::test]
async fn etag_only_on_reads_leaves_the_etag_off_write_answers() {
    let (clean, quirky) = pair(Quirk::EtagOnlyOnReads, &[]).await;
    for (h, dropped) in [(&clean, false), (&quirky, true)] {
        let body = json!({"schemas": [USER], "userName": "tagged"});
        let created = h.post("/Users", body).await;
        assert_eq!(created.header("etag").is_none(), dropped, "POST");
        let path = format!("/Users/{}", text(&created.json(), "id"));
        let replace = json!([{"op": "replace", "path": "displayName", "value": "Two"}]);
        assert_eq!(
            h.patch(&path, replace).await.header("etag").is_none(),
            dropped,
            "PATCH"
        );
        let read = h.get(&path).await;
        assert_eq!(
            read.header("etag"),
            read.json()["meta"]["version"].as_str(),
            "GET keeps its ETag"
        );
    }
    stop(clean, quirky).await;
}

#[tokio::test]
async fn negative_count_400_refuses_a_negative_count_only() {
    let (clean, quirky) = pair(Quirk::NegativeCount400, &["u1"]).await;
    let negative = "/Users?count=-1";
    let read_as_zero = clean.get(negative).await.json();
    assert_eq!(read_as_zero["totalResults"], 1);
    assert_eq!(ids_of(&read_as_zero), Vec::<String>::new());
    quirky
        .get(negative)
        .await
        .assert_error(400, Some("invalidValue"));
    assert_eq!(
        quirky.get("/Users?count=0").await.status,
        200,
        "count=0 unchanged"
    );
    stop(clean, quirky).await;
}

#[tokio::test]
async fn filter_eq_only_declines_every_other_filter_with_invalid_filter() {
    let (clean, quirky) = pair(Quirk::FilterEqOnly, &["px", "px_1"]).await;
    let sw = "/Users?filter=userName%20sw%20%22px%22";
    assert_eq!(clean.get(sw).await.json()["totalResults"], 2);
    quirky
        .get(sw)
        .await
        .assert_error(400, Some("invalidFilter"));
    let either = "/Users?filter=userName%20eq%20%22px%22%20or%20userName%20eq%20%22px_1%22";
    quirky
        .get(either)
        .await
        .assert_error(400, Some("invalidFilter"));
    assert_eq!(
        quirky.get(PX).await.json()["totalResults"],
        1,
        "eq unchanged"
    );
    let both = "/Users?filter=userName%20eq%20%22px%22%20and%20active%20eq%20true";
    assert_eq!(
        quirky.get(both).await.status,
        200,
        "eq joined by and unchanged"
    );
    stop(clean, quirky).await;
}

#[tokio::test]
async fn require_name_formatted_refuses_user_creates_without_it() {
    let (clean, quirky) = pair(Quirk::RequireNameFormatted, &[]).await;
    let minimal = json!({"schemas": [USER], "userName": "minimal"});
    assert_eq!(clean.post("/Users", minimal.clone()).await.status, 201);
    let refused = quirky
        .post("/Users", minimal)
        .await
        .assert_error(400, Some("invalidValue"));
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("name.formatted")),
        "{refused}"
    );
    let given_only = json!({"schemas": [USER], "userName": "given",
                            "name": {"givenName": "Ada", "familyName": "Lovelace"}});
    quirky
        .post("/Users", given_only)
        .await
        .assert_error(400, Some("invalidValue"));
    let formatted = json!({"schemas": [USER], "userName": "formatted",
                           "name": {"formatted": "Ada Lovelace"}});
    let created = quirky.post("/Users", formatted).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let path = format!("/Users/{}", text(&created.json(), "id"));
    let put = quirky
        .put(&path, json!({"schemas": [USER], "userName": "formatted"}))
        .await;
    assert_eq!(put.status, 200, "PUT unchanged: {}", put.text);
    let group = quirky
        .post(
            "/Groups",
            json!({"schemas": [GROUP], "displayName": "team"}),
        )
        .await;
    assert_eq!(group.status, 201, "groups unchanged");
    let bulk = json!({"schemas": [BULK], "Operations": [{"method": "POST", "path": "/Users",
        "bulkId": "b", "data": {"schemas": [USER], "userName": "in-bulk"}}]});
    let answer = quirky.post("/Bulk", bulk).await;
    assert_eq!(
        answer.json()["Operations"][0]["status"],
        "201",
        "bulk unchanged: {}",
        answer.text
    );
    stop(clean, quirky).await;
}

#[tokio::test]
async fn reject_raw_query_chars_answers_raw_quotes_with_an_empty_400_and_a_closed_connection() {
    let (clean, quirky) = pair(Quirk::RejectRawQueryChars, &["px"]).await;
    let raw = r#"/Users?filter=userName+eq+"px""#;
    let mut wire = Wire::open(&clean).await;
    wire.write(clean.request_head("GET", raw, "").as_bytes())
        .await;
    wire.answer().await.assert_list(1);

    let mut wire = Wire::open(&quirky).await;
    wire.write(quirky.request_head("GET", raw, "").as_bytes())
        .await;
    let refused = wire.answer().await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.body, b"", "the refusal has a body");
    assert_eq!(refused.header("connection"), Some("close"));
    assert!(wire.is_closed().await);

    let mut wire = Wire::open(&quirky).await;
    wire.write(quirky.request_head("GET", PX, "").as_bytes())
        .await;
    wire.answer().await.assert_list(1);
    let headers_too_large = format!("X-Padding: {}\r\n", "a".repeat(70 * 1024));
    wire.write(
        quirky
            .request_head("GET", "/Users", &headers_too_large)
            .as_bytes(),
    )
    .await;
    wire.answer().await.assert_error(431);
    stop(clean, quirky).await;
}

//! Seed files: the JSON and CSV formats, and the demo seed shipped in `fixtures/seed/`.

use scimctl::serve::{Seed, ServeConfig};
use serde_json::json;

use super::common::{Harness, ids_of};

const DEMO: &str = include_str!("../../../fixtures/seed/demo.json");
const CSV: &str = include_str!("../../../fixtures/seed/users.csv");

async fn seeded(seed: Seed) -> Harness {
    Harness::with(ServeConfig {
        seed: Some(seed),
        ..ServeConfig::default()
    })
    .await
}

#[tokio::test]
async fn the_demo_seed_loads_users_groups_and_memberships() {
    let h = seeded(Seed::from_json(DEMO).unwrap()).await;
    assert_eq!(h.get("/Users").await.json()["totalResults"], 12);
    assert_eq!(h.get("/Groups").await.json()["totalResults"], 3);
    let bjensen = h
        .get("/Users/2819c223-7f76-453a-919d-413400000000")
        .await
        .json();
    assert_eq!(bjensen["userName"], "bjensen");
    assert_eq!(bjensen["groups"][0]["display"], "Customer Success");
    let admins = h
        .get("/Groups?filter=displayName%20eq%20%22Admins%22")
        .await
        .json();
    let members = admins["Resources"][0]["members"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(members.len(), 3);
    assert_eq!(
        members[2]["type"], "Group",
        "groups may be named by displayName"
    );
    h.stop().await;
}

#[tokio::test]
async fn csv_headers_are_attribute_paths() {
    let h = seeded(Seed::from_csv(CSV).unwrap()).await;
    let list = h
        .get("/Users?filter=userName%20eq%20%22omensah%22")
        .await
        .json();
    let user = &list["Resources"][0];
    assert_eq!(
        user["name"],
        json!({"givenName": "Otto", "familyName": "Mensah"})
    );
    assert_eq!(
        user["emails"],
        json!([{"type": "work", "value": "omensah@example.com"}])
    );
    assert_eq!(user["active"], false);
    assert_eq!(
        user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
        "Platform"
    );
    assert_eq!(ids_of(&h.get("/Users").await.json()).len(), 6);
    h.stop().await;
}

#[tokio::test]
async fn csv_seeds_read_import_aliases_and_groups() {
    let csv = "login;First Name;Surname;mail;Status;groups\n\
               zoë;Zoë;Ångström;zoe@example.com;Inactive;\"Ops; Tour Guides\"\n\
               bob;Bob;\"O'Neil, Jr\";bob@example.com;yes;Ops\n";
    let h = seeded(Seed::from_csv(csv).unwrap()).await;
    let list = h
        .get("/Users?filter=userName%20eq%20%22zo%C3%AB%22")
        .await
        .json();
    let zoe = &list["Resources"][0];
    assert_eq!(
        zoe["name"],
        json!({"givenName": "Zoë", "familyName": "Ångström"})
    );
    assert_eq!(zoe["active"], false);
    let ops = h
        .get("/Groups?filter=displayName%20eq%20%22Ops%22")
        .await
        .json();
    assert_eq!(ops["Resources"][0]["members"].as_array().unwrap().len(), 2);
    assert_eq!(h.get("/Groups").await.json()["totalResults"], 2);
    h.stop().await;
}

#[test]
fn seed_errors_say_where() {
    let duplicate = r#"{"Users": [{"userName": "a"}, {"userName": "A"}]}"#;
    let mut store = scimctl::serve::store::Store::new("http://x/scim/v2", Default::default());
    let error = Seed::from_json(duplicate)
        .unwrap()
        .load_into(&mut store)
        .unwrap_err();
    assert!(
        error.to_string().starts_with("Users[1]: 409 uniqueness"),
        "{error}"
    );
    let ghost = r#"{"Groups": [{"displayName": "g", "members": [{"value": "nobody"}]}]}"#;
    let error = Seed::from_json(ghost)
        .unwrap()
        .load_into(&mut store)
        .unwrap_err();
    assert!(
        error.to_string().starts_with("Groups[0].members[0]"),
        "{error}"
    );
    assert!(Seed::from_json("[1]").is_err());
    let error = Seed::from_csv("userName,active\nx,perhaps\n").unwrap_err();
    assert_eq!(
        error.to_string(),
        "line 2: column `active`: `perhaps` is not a boolean (use true/false, yes/no, 1/0 or \
         active/inactive)"
    );
    let error = Seed::from_csv("userName,Favorite Colour\nx,blue\n").unwrap_err();
    assert_eq!(
        error.to_string(),
        "line 1: unknown column: `Favorite Colour`"
    );
}

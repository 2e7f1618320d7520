//! What Okta and Entra really send (field guide §4), applied to the built-in schemas. Each
//! fixture in `fixtures/idp/` records the request, the expected resource and the tolerances
//! the request needs.

use crate::patch_support::fixture_tests;

fixture_tests! { "idp":
    okta_deactivates_with_a_pathless_replace => "okta-deactivate-user",
    okta_renames_a_group_repeating_its_id => "okta-rename-group",
    okta_swaps_members_with_filter_remove_and_add => "okta-membership-remove-and-add",
    okta_replaces_the_whole_membership => "okta-replace-members",
    entra_legacy_disables_with_string_false => "entra-legacy-disable",
    entra_2020_disables_with_a_boolean => "entra-2020-disable",
    entra_legacy_adds_a_string_attribute => "entra-legacy-add-nickname",
    entra_adds_members_with_null_refs => "entra-legacy-add-members",
    entra_legacy_value_list_removes_only_the_listed_member => "entra-legacy-remove-member-by-value-list",
    entra_2020_removes_a_member_by_filter => "entra-2020-remove-member-by-filter",
    entra_legacy_replaces_attribute_by_attribute => "entra-legacy-multi-replace",
    entra_2020_pathless_replace_with_dotted_and_urn_keys => "entra-2020-multi-replace",
    entra_sets_the_manager_with_a_string => "entra-manager-as-string",
    entra_removes_the_manager_with_an_empty_string => "entra-manager-removed-by-empty-string",
    entra_removes_the_manager_with_an_empty_value => "entra-manager-removed-by-empty-value",
    entra_clears_with_empty_string_then_null => "entra-null-update-clears",
    entra_renames_a_group => "entra-rename-group",
    entra_adds_a_first_phone_by_value_path => "entra-add-phone-by-value-path",
}

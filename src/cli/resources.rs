//! Arguments of `users`, `groups` and `resources TYPE`: the three share their pieces (listing,
//! request bodies, PATCH operations) and differ only in the flags that name their attributes.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

/// `scimctl users ...`
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List users, one page or every page (--all).
    List(ListArgs),
    /// Show one user: by id, --user-name, --external-id, or --me (/Me).
    Get(UserGetArgs),
    /// Create a user from flags, from a JSON body (--file), or both (flags win).
    Create(UserCreateArgs),
    /// Replace a user (PUT) with a body built as for create.
    Replace(UserReplaceArgs),
    /// Change a user with PATCH operations: OP PATH [VALUE] ..., or --file.
    Patch(PatchArgs),
    /// Set active to true (shaped as --as asks).
    Activate(IdArg),
    /// Set active to false (shaped as --as asks).
    Deactivate(IdArg),
    /// Delete a user (asks first on a terminal, unless --yes).
    Delete(IdArg),
}

/// `scimctl groups ...`
#[derive(Debug, Subcommand)]
pub enum GroupsCommand {
    /// List groups, without their members unless --attributes names them (then with a member
    /// count).
    List(ListArgs),
    /// Show one group: by id, --display-name or --external-id.
    Get(GroupGetArgs),
    /// Create a group from flags, from a JSON body (--file), or both (flags win).
    Create(GroupCreateArgs),
    /// Replace a group (PUT) with a body built as for create.
    Replace(GroupReplaceArgs),
    /// Change a group with PATCH operations: OP PATH [VALUE] ..., or --file.
    Patch(PatchArgs),
    /// Delete a group (asks first on a terminal, unless --yes).
    Delete(IdArg),
    /// List a group's members.
    Members(IdArg),
    /// Add users to a group, then show the member count before and after.
    AddMember(MemberArgs),
    /// Remove users from a group (by `members[value eq "ID"]`), then show the member count
    /// before and after, with a warning when the server removed more or less than asked.
    RemoveMember(MemberArgs),
}

/// `scimctl resources TYPE ...`
#[derive(Debug, Args)]
pub struct ResourcesArgs {
    /// A resource type name or endpoint from /ResourceTypes, in any letter case.
    #[arg(value_name = "TYPE")]
    pub type_name: String,
    #[command(subcommand)]
    pub command: ResourceCommand,
}

/// What to do with resources of one type.
#[derive(Debug, Subcommand)]
pub enum ResourceCommand {
    /// List resources, one page or every page (--all).
    List(ListArgs),
    /// Show one resource: by id or --external-id.
    Get(ResourceGetArgs),
    /// Create a resource from a JSON body (--file) and --set assignments.
    Create(BodyArgs),
    /// Replace a resource (PUT).
    Replace(ResourceReplaceArgs),
    /// Change a resource with PATCH operations: OP PATH [VALUE] ..., or --file.
    Patch(PatchArgs),
    /// Delete a resource (asks first on a terminal, unless --yes).
    Delete(IdArg),
}

/// Which resources, in which order, with which attributes.
#[derive(Debug, Clone, Default, Args)]
pub struct ListArgs {
    /// A SCIM filter, checked before it is sent, e.g. 'userName sw "b"'
    #[arg(long, short = 'f', value_name = "FILTER")]
    pub filter: Option<String>,
    /// Sort by this attribute path
    #[arg(long, value_name = "PATH")]
    pub sort_by: Option<String>,
    /// Sort order
    #[arg(long, value_name = "ORDER", value_parser = ["ascending", "descending"])]
    pub sort_order: Option<String>,
    #[command(flatten)]
    pub projection: ProjectionArgs,
    /// Resources per page
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// 1-based index of the first resource
    #[arg(long, value_name = "N")]
    pub start_index: Option<u64>,
    /// Follow every page (with guards against broken paging); a summary goes to stderr
    #[arg(long)]
    pub all: bool,
    /// Send the query as POST .search, keeping the filter out of the URL
    #[arg(long)]
    pub search: bool,
    /// Do not check the resources returned against --filter (by default a warning counts those
    /// that do not match, as a server that ignores the filter returns)
    #[arg(long)]
    pub no_verify_filter: bool,
}

/// Which attributes the server returns.
#[derive(Debug, Clone, Default, Args)]
pub struct ProjectionArgs {
    /// Return only these attributes (comma-separated paths)
    #[arg(long, value_name = "PATH,...")]
    pub attributes: Option<String>,
    /// Leave these attributes out (comma-separated paths)
    #[arg(long, value_name = "PATH,...")]
    pub excluded_attributes: Option<String>,
}

/// `users get`
#[derive(Debug, Args)]
pub struct UserGetArgs {
    /// The user's id
    #[arg(required_unless_present_any = ["user_name", "external_id", "me"])]
    pub id: Option<String>,
    /// Find the user with this userName (exactly one must match)
    #[arg(long, value_name = "NAME", conflicts_with_all = ["id", "external_id", "me"])]
    pub user_name: Option<String>,
    /// Find the user with this externalId (exactly one must match)
    #[arg(long, value_name = "ID", conflicts_with_all = ["id", "me"])]
    pub external_id: Option<String>,
    /// Show the authenticated subject (/Me, RFC 7644 §3.11)
    #[arg(long, conflicts_with = "id")]
    pub me: bool,
    #[command(flatten)]
    pub projection: ProjectionArgs,
}

/// `groups get`
#[derive(Debug, Args)]
pub struct GroupGetArgs {
    /// The group's id
    #[arg(required_unless_present_any = ["display_name", "external_id"])]
    pub id: Option<String>,
    /// Find the group with this displayName (exactly one must match)
    #[arg(long, value_name = "NAME", conflicts_with_all = ["id", "external_id"])]
    pub display_name: Option<String>,
    /// Find the group with this externalId (exactly one must match)
    #[arg(long, value_name = "ID", conflicts_with = "id")]
    pub external_id: Option<String>,
    #[command(flatten)]
    pub projection: ProjectionArgs,
}

/// `resources TYPE get`
#[derive(Debug, Args)]
pub struct ResourceGetArgs {
    /// The resource's id
    #[arg(required_unless_present = "external_id")]
    pub id: Option<String>,
    /// Find the resource with this externalId (exactly one must match)
    #[arg(long, value_name = "ID", conflicts_with = "id")]
    pub external_id: Option<String>,
    #[command(flatten)]
    pub projection: ProjectionArgs,
}

/// A request body from a file and `--set` assignments.
#[derive(Debug, Clone, Default, Args)]
pub struct BodyArgs {
    /// Start from this JSON body (`-` reads stdin); `schemas` is added when it has none
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Set an attribute, typed by the schema: `--set name.givenName=Babs`,
    /// `--set urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department=Tour`,
    /// `--set 'emails=[{"value":"b@x.org"}]'` (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// The user attributes that have their own flags.
#[derive(Debug, Clone, Default, Args)]
pub struct UserFields {
    /// userName
    #[arg(long, value_name = "NAME")]
    pub user_name: Option<String>,
    /// name.givenName
    #[arg(long, value_name = "NAME")]
    pub given_name: Option<String>,
    /// name.familyName
    #[arg(long, value_name = "NAME")]
    pub family_name: Option<String>,
    /// displayName
    #[arg(long, value_name = "NAME")]
    pub display_name: Option<String>,
    /// An email (repeatable, up to three): the first is the primary work email, the second
    /// home, the third other
    #[arg(long, value_name = "ADDRESS")]
    pub email: Vec<String>,
    /// externalId
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// active (`--active` alone means true)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub active: Option<bool>,
}

/// The group attributes that have their own flags.
#[derive(Debug, Clone, Default, Args)]
pub struct GroupFields {
    /// displayName
    #[arg(long, value_name = "NAME")]
    pub display_name: Option<String>,
    /// externalId
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// A member's id (repeatable)
    #[arg(long, value_name = "ID")]
    pub member: Vec<String>,
}

/// `users create`
#[derive(Debug, Args)]
pub struct UserCreateArgs {
    #[command(flatten)]
    pub fields: UserFields,
    #[command(flatten)]
    pub body: BodyArgs,
}

/// `groups create`
#[derive(Debug, Args)]
pub struct GroupCreateArgs {
    #[command(flatten)]
    pub fields: GroupFields,
    #[command(flatten)]
    pub body: BodyArgs,
}

/// Which resource a PUT replaces, and its precondition.
#[derive(Debug, Clone, Args)]
pub struct ReplaceTarget {
    /// The resource's id
    pub id: String,
    /// Send If-Match: `auto` reads the current ETag first; anything else is sent as the ETag
    #[arg(long, value_name = "auto|ETAG")]
    pub if_match: Option<String>,
}

/// `users replace`
#[derive(Debug, Args)]
pub struct UserReplaceArgs {
    #[command(flatten)]
    pub target: ReplaceTarget,
    #[command(flatten)]
    pub fields: UserFields,
    #[command(flatten)]
    pub body: BodyArgs,
}

/// `groups replace`
#[derive(Debug, Args)]
pub struct GroupReplaceArgs {
    #[command(flatten)]
    pub target: ReplaceTarget,
    #[command(flatten)]
    pub fields: GroupFields,
    #[command(flatten)]
    pub body: BodyArgs,
}

/// `resources TYPE replace`
#[derive(Debug, Args)]
pub struct ResourceReplaceArgs {
    #[command(flatten)]
    pub target: ReplaceTarget,
    #[command(flatten)]
    pub body: BodyArgs,
}

/// `patch ID OP PATH [VALUE] ...`
#[derive(Debug, Args)]
#[command(
    after_help = "Operations: `add PATH VALUE`, `replace PATH VALUE`, `remove PATH`; \
values are typed by the schema (`true`, `42`, text) and JSON is accepted as is. Example:\n  \
scimctl users patch 2819c223 replace name.givenName Babs \
remove 'emails[value eq \"old@example.com\"]'"
)]
pub struct PatchArgs {
    /// The resource's id
    pub id: String,
    /// Operations: OP PATH [VALUE], repeated (put a value that starts with `-` after `--`)
    #[arg(
        value_name = "OP PATH [VALUE]",
        required_unless_present = "file",
        conflicts_with = "file"
    )]
    pub operations: Vec<String>,
    /// Send this PatchOp JSON body instead (`-` reads stdin)
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// One resource, by id.
#[derive(Debug, Args)]
pub struct IdArg {
    /// The resource's id
    pub id: String,
}

/// `groups add-member` and `groups remove-member`
#[derive(Debug, Args)]
pub struct MemberArgs {
    /// The group's id
    pub group: String,
    /// The users, by id (or by userName with --by user-name)
    #[arg(required = true, value_name = "USER")]
    pub users: Vec<String>,
    /// How the users are named
    #[arg(long, value_enum, default_value_t = MemberKey::Id)]
    pub by: MemberKey,
}

/// How `add-member` and `remove-member` name users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MemberKey {
    /// By id.
    Id,
    /// By userName, looked up first (exactly one user must match each).
    UserName,
}

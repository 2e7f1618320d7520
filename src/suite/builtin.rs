//! The built-in assertions: one enum whose typed arguments refuse unknown keys, each name and
//! contract declared once, below. Pure: it reads arguments and never evaluates them.

use serde::{Deserialize, Deserializer};

use super::Template;
use super::selector::SelectorPath;
use crate::scim::model::ScimType;

/// Declares the built-ins: variant, argument type, name, and whether it sends a write.
macro_rules! builtins {
    ($($(#[doc = $doc:literal])* $variant:ident($args:ty) = $name:literal, writes = $writes:literal;)*) => {
        /// A built-in assertion and its arguments.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Builtin {
            $($(#[doc = $doc])* $variant($args),)*
        }

        impl Builtin {
            /// Every built-in's name, in the order documented.
            pub const NAMES: &'static [&'static str] = &[$($name),*];

            /// The name a suite calls it by.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Builtin::$variant(_) => $name,)*
                }
            }

            /// True when it sends requests that may change data (harmless ones, such as
            /// DELETEs of ids nobody owns): a check calling it needs `--allow-writes`.
            pub fn writes(&self) -> bool {
                match self {
                    $(Builtin::$variant(_) => $writes,)*
                }
            }

            /// The built-in `name` with the arguments of `with`; `None` for an unknown name.
            pub fn parse(name: &str, with: toml::Table) -> Option<Result<Builtin, toml::de::Error>> {
                match name {
                    $($name => Some(toml::Value::Table(with).try_into::<$args>().map(Builtin::$variant)),)*
                    _ => None,
                }
            }
        }
    };
}

builtins! {
    /// The answer is a SCIM Error (RFC 7644 §3.12): the Error schema, `status` a string equal
    /// to the HTTP status; `scimType` too when the arguments name one.
    ScimError(ScimErrorArgs) = "scim-error", writes = false;
    /// The answer is a ListResponse (RFC 7644 §3.4.2): the schema, an integer `totalResults`,
    /// `Resources` present when `totalResults > 0`, `itemsPerPage` equal to the page's size.
    ListResponse(NoArgs) = "list-response", writes = false;
    /// Pages through a list from `startIndex=1` (RFC 7644 §3.4.2.4): no duplicate, no gap, as
    /// many resources as `totalResults` (and as `total`), each page well-formed.
    Paginate(PaginateArgs) = "paginate", writes = false;
    /// The answer's `Resources` are ordered by `by` (RFC 7644 §3.4.2.3), case-insensitively,
    /// resources without a value last when ascending.
    Sorted(SortedArgs) = "sorted", writes = false;
    /// On a ServiceProviderConfig answer: a BulkRequest of `bulk.maxOperations + 1` DELETEs of
    /// ids nobody owns is refused with 413 and a SCIM Error (RFC 7644 §3.7.4).
    BulkOverMaxOperations(NoArgs) = "bulk-over-max-operations", writes = true;
    /// On a ServiceProviderConfig answer: a BulkRequest one byte over `bulk.maxPayloadSize` (one
    /// DELETE of an id nobody owns, padded with whitespace) is refused with 413 and a SCIM
    /// Error (RFC 7644 §3.7.4).
    BulkOverMaxPayload(NoArgs) = "bulk-over-max-payload", writes = true;
    /// The value at `path`, when there is one, is the absolute or relative URI of a resource
    /// below the base URL (RFC 7643 §2.3.7), and a GET of it answers 200 with that resource
    /// (`id`, when given).
    ReferenceResolves(ReferenceArgs) = "reference-resolves", writes = false;
    /// On a `/Schemas` answer (or one schema): every attribute definition, sub-attributes
    /// included, keeps the rule of RFC 7643 §2 or §7 its `rule` names.
    SchemaAttributes(SchemaAttributesArgs) = "schema-attributes", writes = false;
    /// On a `/ResourceTypes` answer: the resource type `name` is served at
    /// `/ResourceTypes/{id}` (RFC 7644 §4), or, having no `id` (RFC 7643 §6: OPTIONAL), is at
    /// most fetched by its name.
    ResourceTypeById(ResourceTypeByIdArgs) = "resource-type-by-id", writes = false;
    /// The answer's `Content-Type` names no encoding but UTF-8 in a `charset` parameter
    /// (RFC 7644 §3.8).
    Utf8Charset(NoArgs) = "utf-8-charset", writes = false;
    /// On a `/Me` answer: a 200 or 308 names the aliased resource in `Location` (RFC 7644
    /// §3.11); any other answer means the server has no `/Me`, and the check is skipped.
    MeLocation(NoArgs) = "me-location", writes = false;
}

impl Builtin {
    /// The templates among its arguments (variables must be known when it runs).
    pub fn templates(&self) -> Vec<&Template> {
        match self {
            Builtin::Paginate(args) => std::iter::once(&args.path)
                .chain(args.filter.as_ref())
                .collect(),
            Builtin::ReferenceResolves(args) => args.id.iter().collect(),
            _ => Vec::new(),
        }
    }
}

/// No arguments: `with` is left out (or empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// `scim-error`'s arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScimErrorArgs {
    /// The `scimType` the Error must carry (RFC 7644 §3.12, Table 9), compared ignoring case.
    #[serde(rename = "scimType", default, deserialize_with = "scim_type")]
    pub scim_type: Option<ScimType>,
}

/// `paginate`'s arguments.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaginateArgs {
    /// The list, below the base URL (default `/Users`).
    #[serde(default = "users", deserialize_with = "list_path")]
    pub path: Template,
    /// The filter sent with every page.
    #[serde(default, deserialize_with = "optional_template")]
    pub filter: Option<Template>,
    /// The page size asked for (default 2).
    #[serde(default = "two", deserialize_with = "page_size")]
    pub count: u64,
    /// The `totalResults` every page must state.
    pub total: Option<u64>,
}

/// `sorted`'s arguments.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SortedArgs {
    /// What the list is ordered by (default `userName`).
    #[serde(default = "user_name", deserialize_with = "selector_path")]
    pub by: SelectorPath,
    #[serde(default)]
    pub order: Order,
}

/// `reference-resolves`'s arguments.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceArgs {
    /// Where the reference is in the answer (`members[0].$ref`, `meta.location`).
    #[serde(deserialize_with = "selector_path")]
    pub path: SelectorPath,
    /// The `id` the referenced resource must have.
    #[serde(default, deserialize_with = "optional_template")]
    pub id: Option<Template>,
}

/// `schema-attributes`' argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaAttributesArgs {
    pub rule: SchemaRule,
}

/// `resource-type-by-id`'s argument: the resource type's `name`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceTypeByIdArgs {
    pub name: String,
}

/// A rule every attribute definition of a schema keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SchemaRule {
    /// RFC 7643 §2.1: `name` matches `ATTRNAME` (a sub-attribute may be `$ref`, §2.3.7).
    Names,
    /// RFC 7643 §7 and erratum 8435: `type` is one of the eight data types, in any case.
    Types,
    /// RFC 7643 §2.3.8: no sub-attribute is complex or has sub-attributes of its own.
    FlatSubAttributes,
    /// RFC 7643 §7 and erratum 5607: `referenceTypes`, when present, is an array of strings.
    ReferenceTypes,
    /// RFC 7643 §7: a complex attribute lists its `subAttributes`.
    ComplexSubAttributes,
    /// RFC 7643 §3.3: an extension schema defines no attribute named like one of RFC 7643's
    /// own (`title`, `emails`, `id`, ...).
    ExtensionNames,
    /// Microsoft Entra ID: no characteristic is sent as null.
    NoNulls,
    /// Microsoft Entra ID: `type`, `mutability`, `returned` and `uniqueness` are spelt as RFC
    /// 7643 §7 spells them (`readWrite`, `dateTime`).
    CanonicalSpelling,
}

/// A sort order, spelt as RFC 7644 §3.4.2.3 spells `sortOrder`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    #[default]
    Ascending,
    Descending,
}

impl Order {
    pub fn as_str(self) -> &'static str {
        match self {
            Order::Ascending => "ascending",
            Order::Descending => "descending",
        }
    }
}

fn users() -> Template {
    Template::parse("/Users").unwrap_or_default()
}

fn two() -> u64 {
    2
}

fn user_name() -> SelectorPath {
    SelectorPath::parse("userName").expect("a valid path")
}

fn scim_type<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<ScimType>, D::Error> {
    let text = String::deserialize(deserializer)?;
    ScimType::from_keyword(&text).map(Some).ok_or_else(|| {
        let known: Vec<&str> = ScimType::ALL.iter().map(|kind| kind.as_str()).collect();
        serde::de::Error::custom(format!(
            "unknown scimType `{text}`, expected one of {}",
            known.join(", ")
        ))
    })
}

fn template_of<E: serde::de::Error>(text: &str) -> Result<Template, E> {
    Template::parse(text).map_err(|(message, _)| E::custom(message))
}

fn list_path<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Template, D::Error> {
    let text = String::deserialize(deserializer)?;
    if !text.starts_with('/') {
        return Err(serde::de::Error::custom(format!(
            "`{text}` is not a path below the base URL, such as `/Users`"
        )));
    }
    template_of(&text)
}

fn optional_template<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Template>, D::Error> {
    template_of(&String::deserialize(deserializer)?).map(Some)
}

fn page_size<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    match u64::deserialize(deserializer)? {
        0 => Err(serde::de::Error::custom(
            "`count` is a page size of at least 1",
        )),
        count => Ok(count),
    }
}

fn selector_path<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SelectorPath, D::Error> {
    let text = String::deserialize(deserializer)?;
    SelectorPath::parse(&text)
        .map_err(|diagnostic| serde::de::Error::custom(format!("`{text}`: {}", diagnostic.message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str, with: &str) -> Result<Builtin, String> {
        let table: toml::Table = toml::from_str(with).expect("TOML");
        Builtin::parse(name, table)
            .expect("a known name")
            .map_err(|e| e.message().to_owned())
    }

    #[test]
    fn arguments_are_typed_and_defaulted() {
        let Ok(Builtin::Paginate(args)) = parse("paginate", "filter = 'userName sw \"x\"'") else {
            panic!("paginate");
        };
        assert_eq!((args.count, args.total), (2, None));
        assert_eq!(args.path, Template::parse("/Users").unwrap());
        assert_eq!(
            parse("scim-error", "scimType = \"invalidfilter\""),
            Ok(Builtin::ScimError(ScimErrorArgs {
                scim_type: Some(ScimType::InvalidFilter)
            }))
        );
        assert!(Builtin::parse("scim-eror", toml::Table::new()).is_none());
    }

    #[test]
    fn a_misspelt_key_or_value_is_refused_naming_it() {
        let typo = parse("paginate", "coutn = 1").unwrap_err();
        assert!(typo.starts_with("unknown field `coutn`"), "{typo}");
        let order = parse("sorted", "order = \"desc\"").unwrap_err();
        assert!(order.starts_with("unknown variant `desc`"), "{order}");
        assert!(parse("list-response", "path = \"/Users\"").is_err());
        assert!(
            parse("paginate", "count = 0")
                .unwrap_err()
                .contains("at least 1")
        );
        assert!(
            parse("scim-error", "scimType = \"nope\"")
                .unwrap_err()
                .contains("invalidFilter")
        );
    }

    #[test]
    fn only_the_bulk_limit_built_ins_write() {
        let writers: Vec<&str> = Builtin::NAMES
            .iter()
            .filter(|name| {
                Builtin::parse(name, toml::Table::new())
                    .and_then(Result::ok)
                    .is_some_and(|builtin| builtin.writes())
            })
            .copied()
            .collect();
        assert_eq!(
            writers,
            ["bulk-over-max-operations", "bulk-over-max-payload"]
        );
    }
}

//! The one table of `serve --quirk`s: each quirk's variant, switch, name, verdict and wording are
//! written once, in [`quirk_table!`]'s invocation in `table/rows.rs`, and not repeated anywhere else.
//!
//! Generated: the [`Quirk`] enum and its parsing and `Display`, the switches of [`Quirks`] and
//! [`Quirks::enable`], and [`CATALOGUE`], from which `serve --help` ([`help_table`]), README's
//! table ([`readme_table`]) and the accuracy test's lists come. What a quirk does to the server
//! lives in `quirks.rs` and the server's modules, not here. Pure: no I/O.

use std::fmt;
use std::time::Duration;

/// How often `rate-limit` answers 429 when no N is given.
pub const DEFAULT_RATE_LIMIT_EVERY: u32 = 5;

/// How often `drop-connections` closes a connection when no N is given.
pub const DEFAULT_DROP_EVERY: u32 = 10;

/// What a quirk is, for the conformance suite that is graded against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Breaks RFC 7643/7644 or what an IdP relies on: the built-in suites must catch it, with
    /// exactly the verdicts listed in `fixtures/expected/<quirk>.toml`.
    Deviation,
    /// Allowed by the RFCs: a check that fails on it is a false alarm.
    Legal,
    /// A fault below HTTP (a connection closed without an answer) for testing how a client
    /// copes: not graded by the suites, where a check whose connection is cut has no verdict.
    Fault,
}

/// One row of the table, as `serve --help` and README show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuirkInfo {
    /// The name given to `--quirk`.
    pub name: &'static str,
    /// How an argument follows the name (`[=N]`, `=MS`); empty for a quirk without one.
    pub argument: &'static str,
    /// Deviation or legal variant.
    pub kind: Kind,
    /// The one-line description `serve --help` shows.
    pub summary: &'static str,
    /// README's description: the summary, or a longer text that cites the RFC.
    pub details: &'static str,
    /// A valid argument, for examples and tests; empty for a quirk without one.
    pub example_argument: &'static str,
}

impl QuirkInfo {
    /// The name with its argument, as the help writes it: `rate-limit[=N]`.
    pub fn usage(&self) -> String {
        format!("{}{}", self.name, self.argument)
    }

    /// A valid `--quirk` value for this quirk: `latency=20`.
    pub fn example(&self) -> String {
        if self.example_argument.is_empty() {
            self.name.to_owned()
        } else {
            format!("{}={}", self.name, self.example_argument)
        }
    }
}

/// Why a `--quirk` value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownQuirk(pub String);

impl fmt::Display for UnknownQuirk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = CATALOGUE.iter().map(QuirkInfo::usage).collect();
        write!(f, "{}; valid quirks: {}", self.0, names.join(", "))
    }
}

impl std::error::Error for UnknownQuirk {}

/// How a quirk that takes an argument (`name=ARG`) reads it and what it switches on.
pub trait QuirkArgument {
    /// What the [`Quirk`] variant carries: the argument as read.
    type Value: Copy + fmt::Debug + fmt::Display + PartialEq + Eq;
    /// What the field of [`Quirks`] holds while the quirk is on.
    type Setting: Copy + fmt::Debug + PartialEq + Eq;
    /// How the help writes the argument after the name.
    const USAGE: &'static str;
    /// A valid argument.
    const EXAMPLE: &'static str;
    /// Reads the text after `=`, if any, for the quirk `name`.
    fn parse(name: &str, argument: Option<&str>) -> Result<Self::Value, UnknownQuirk>;
    /// The switch's value for an argument.
    fn setting(value: Self::Value) -> Self::Setting;
}

/// `NAME[=N]`: every Nth request, N at least 1, by default `DEFAULT`.
#[derive(Debug)]
pub enum EveryNth<const DEFAULT: u32> {}

/// `rate-limit[=N]`, by default every [`DEFAULT_RATE_LIMIT_EVERY`]th request.
pub type RateLimitEvery = EveryNth<DEFAULT_RATE_LIMIT_EVERY>;

/// `drop-connections[=N]`, by default every [`DEFAULT_DROP_EVERY`]th request.
pub type DropEvery = EveryNth<DEFAULT_DROP_EVERY>;

impl<const DEFAULT: u32> QuirkArgument for EveryNth<DEFAULT> {
    type Value = u32;
    type Setting = u32;
    const USAGE: &'static str = "[=N]";
    const EXAMPLE: &'static str = "7";

    fn parse(name: &str, argument: Option<&str>) -> Result<u32, UnknownQuirk> {
        if argument.is_none() {
            return Ok(DEFAULT);
        }
        match u32::try_from(whole_number(name, "requests", argument)?) {
            Ok(every) if every >= 1 => Ok(every),
            _ => Err(UnknownQuirk(format!(
                "quirk `{name}` needs N between 1 and {}",
                u32::MAX
            ))),
        }
    }

    fn setting(every: u32) -> u32 {
        every
    }
}

/// `latency=MS`: a delay in whole milliseconds, which must be given.
#[derive(Debug)]
pub enum Millis {}

impl QuirkArgument for Millis {
    type Value = u64;
    type Setting = Duration;
    const USAGE: &'static str = "=MS";
    const EXAMPLE: &'static str = "20";

    fn parse(name: &str, argument: Option<&str>) -> Result<u64, UnknownQuirk> {
        whole_number(name, "milliseconds", argument)
    }

    fn setting(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }
}

/// The argument of quirk `name` as a whole number of `what`.
fn whole_number(name: &str, what: &str, argument: Option<&str>) -> Result<u64, UnknownQuirk> {
    let argument =
        argument.ok_or_else(|| UnknownQuirk(format!("quirk `{name}` needs `={what}`")))?;
    argument.parse::<u64>().map_err(|_| {
        UnknownQuirk(format!(
            "quirk `{name}` needs a whole number of {what}, got `{argument}`"
        ))
    })
}

/// Generates every spelling of the quirks from one row each:
/// `Kind Variant[(Argument)] field "name" "summary" [, "details"];`.
macro_rules! quirk_table {
    (@pattern $variant:ident $value:ident) => { Quirk::$variant };
    (@pattern $variant:ident $value:ident $argument:ident) => { Quirk::$variant($value) };
    (@parse $variant:ident $name:ident $text:ident) => {
        match $text {
            None => Ok(Quirk::$variant),
            Some(_) => Err(UnknownQuirk(format!("quirk `{}` takes no argument", $name))),
        }
    };
    (@parse $variant:ident $name:ident $text:ident $argument:ident) => {
        <$argument as QuirkArgument>::parse($name, $text).map(Quirk::$variant)
    };
    (@display $f:ident $name:literal $value:ident) => { $f.write_str($name) };
    (@display $f:ident $name:literal $value:ident $argument:ident) => {
        write!($f, "{}={}", $name, $value)
    };
    (@field) => { bool };
    (@field $argument:ident) => { Option<<$argument as QuirkArgument>::Setting> };
    (@setting $value:ident) => { true };
    (@setting $value:ident $argument:ident) => {
        Some(<$argument as QuirkArgument>::setting($value))
    };
    (@usage) => { "" };
    (@usage $argument:ident) => { <$argument as QuirkArgument>::USAGE };
    (@example) => { "" };
    (@example $argument:ident) => { <$argument as QuirkArgument>::EXAMPLE };
    (@details $summary:literal) => { $summary };
    (@details $summary:literal $details:literal) => { $details };
    ($(
        $kind:ident $variant:ident $(($argument:ident))? $field:ident $name:literal
            $summary:literal $(, $details:literal)?;
    )*) => {
        /// One `--quirk` as named on the command line.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Quirk {
            $(
                #[doc = $summary]
                $variant $((<$argument as QuirkArgument>::Value))?,
            )*
        }

        /// Every quirk, in help order.
        pub const CATALOGUE: &[QuirkInfo] = &[$(
            QuirkInfo {
                name: $name,
                argument: quirk_table!(@usage $($argument)?),
                kind: Kind::$kind,
                summary: $summary,
                details: quirk_table!(@details $summary $($details)?),
                example_argument: quirk_table!(@example $($argument)?),
            },
        )*];

        impl Quirk {
            /// Parses `name` or `name=ARG` as listed in [`CATALOGUE`].
            pub fn parse(text: &str) -> Result<Quirk, UnknownQuirk> {
                let (name, argument) = match text.split_once('=') {
                    Some((name, argument)) => (name, Some(argument)),
                    None => (text, None),
                };
                match name {
                    $($name => quirk_table!(@parse $variant name argument $($argument)?),)*
                    _ => Err(UnknownQuirk(format!("unknown quirk `{name}`"))),
                }
            }

            /// The name given to `--quirk`, without its argument.
            pub fn name(&self) -> &'static str {
                match self {
                    $(quirk_table!(@pattern $variant _value $($argument)?) => $name,)*
                }
            }
        }

        impl fmt::Display for Quirk {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $(quirk_table!(@pattern $variant value $($argument)?) =>
                        quirk_table!(@display f $name value $($argument)?),)*
                }
            }
        }

        /// The set of quirks a server runs with: one switch per quirk, all off by default.
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct Quirks {
            $(
                #[doc = $summary]
                pub $field: quirk_table!(@field $($argument)?),
            )*
        }

        impl Quirks {
            /// Turns one quirk on; a quirk given again with another argument overrides the first.
            pub fn enable(&mut self, quirk: Quirk) {
                match quirk {
                    $(quirk_table!(@pattern $variant value $($argument)?) =>
                        self.$field = quirk_table!(@setting value $($argument)?),)*
                }
            }
        }
    };
}

// The rows, one per quirk, are data: they live in their own file.
mod rows;
pub use rows::{CATALOGUE, Quirk, Quirks};

impl Quirk {
    /// This quirk's row of [`CATALOGUE`].
    pub fn info(&self) -> &'static QuirkInfo {
        let name = self.name();
        CATALOGUE
            .iter()
            .find(|info| info.name == name)
            .expect("every variant has a row: both come from the same table")
    }
}

impl Quirks {
    /// Collects quirks; a quirk given again with another argument overrides the first.
    pub fn from_list(list: &[Quirk]) -> Quirks {
        let mut quirks = Quirks::default();
        for quirk in list {
            quirks.enable(*quirk);
        }
        quirks
    }
}

/// The widest line of [`help_table`]: clap re-wraps longer lines without indenting them.
const HELP_WIDTH: usize = 98;

/// The help text block listing every quirk, one per entry; long descriptions wrap under
/// themselves.
pub fn help_table() -> String {
    let width = CATALOGUE
        .iter()
        .map(|info| info.usage().len())
        .max()
        .unwrap_or(0);
    let indent = 2 + width + 2;
    let room = HELP_WIDTH.saturating_sub(indent).max(20);
    let mut text = String::from("Quirks (--quirk NAME, repeatable):\n");
    for info in CATALOGUE {
        let mut line = format!("  {:<width$}  ", info.usage());
        // Characters of the description on the current line.
        let mut column = 0;
        for word in info.summary.split_whitespace() {
            if column > 0 && column + 1 + word.len() > room {
                line.push('\n');
                line.push_str(&" ".repeat(indent));
                column = 0;
            } else if column > 0 {
                line.push(' ');
                column += 1;
            }
            line.push_str(word);
            column += word.len();
        }
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// README's table of quirks (Markdown), between its header row and the blank line after it.
pub fn readme_table() -> String {
    let mut text = String::from("| Quirk | What changes |\n|---|---|\n");
    for info in CATALOGUE {
        text.push_str(&format!("| `{}` | {} |\n", info.usage(), info.details));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_table_fits_its_width_and_wraps_under_the_description() {
        let table = help_table();
        let indent = 2 + CATALOGUE.iter().map(|q| q.usage().len()).max().unwrap_or(0) + 2;
        for line in table.lines() {
            assert!(line.chars().count() <= HELP_WIDTH, "too wide: {line}");
        }
        for info in CATALOGUE {
            let name = info.usage();
            let entry = table
                .split(&format!("\n  {name} "))
                .nth(1)
                .unwrap_or_else(|| panic!("{name} is not listed"));
            let mut lines = entry.lines();
            let mut words: Vec<&str> = lines
                .next()
                .unwrap_or_default()
                .split_whitespace()
                .collect();
            for continuation in lines.take_while(|l| l.starts_with(&" ".repeat(indent))) {
                words.extend(continuation.split_whitespace());
            }
            assert_eq!(words.join(" "), info.summary, "{name}");
        }
    }

    #[test]
    fn every_catalogued_name_parses_with_and_without_its_example_argument() {
        for info in CATALOGUE {
            assert!(Quirk::parse(&info.example()).is_ok(), "{}", info.example());
            let bare = Quirk::parse(info.name);
            match info.argument {
                "" | "[=N]" => assert!(bare.is_ok(), "{} should parse", info.name),
                _ => assert!(bare.is_err(), "{} needs its argument", info.name),
            }
        }
    }

    #[test]
    fn display_gives_back_what_parse_reads() {
        for info in CATALOGUE {
            let quirk = Quirk::parse(&info.example()).unwrap();
            assert_eq!(quirk.to_string(), info.example());
            assert_eq!(quirk.info(), info);
        }
    }

    #[test]
    fn names_are_unique_and_in_kebab_case() {
        for (index, info) in CATALOGUE.iter().enumerate() {
            assert!(
                info.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                info.name
            );
            assert!(
                CATALOGUE[..index]
                    .iter()
                    .all(|other| other.name != info.name),
                "{} is listed twice",
                info.name
            );
        }
    }

    #[test]
    fn arguments_are_read_and_checked() {
        assert_eq!(
            Quirk::parse("rate-limit"),
            Ok(Quirk::RateLimit(DEFAULT_RATE_LIMIT_EVERY))
        );
        assert_eq!(Quirk::parse("rate-limit=3"), Ok(Quirk::RateLimit(3)));
        assert!(Quirk::parse("rate-limit=0").is_err());
        assert_eq!(Quirk::parse("latency=40"), Ok(Quirk::Latency(40)));
        assert_eq!(
            Quirk::parse("drop-connections"),
            Ok(Quirk::DropConnections(DEFAULT_DROP_EVERY))
        );
        assert_eq!(
            Quirk::parse("drop-connections=3"),
            Ok(Quirk::DropConnections(3))
        );
        assert!(Quirk::parse("drop-connections=0").is_err());
        assert!(Quirk::parse("latency").is_err());
        assert!(Quirk::parse("latency=fast").is_err());
        assert!(Quirk::parse("no-auth=1").is_err());
    }

    #[test]
    fn argument_errors_say_what_is_wanted() {
        let message = |text: &str| Quirk::parse(text).unwrap_err().0;
        assert_eq!(message("latency"), "quirk `latency` needs `=milliseconds`");
        assert_eq!(
            message("latency=fast"),
            "quirk `latency` needs a whole number of milliseconds, got `fast`"
        );
        assert_eq!(
            message("rate-limit=x"),
            "quirk `rate-limit` needs a whole number of requests, got `x`"
        );
        assert_eq!(
            message("rate-limit=0"),
            format!("quirk `rate-limit` needs N between 1 and {}", u32::MAX)
        );
        assert_eq!(message("no-auth=1"), "quirk `no-auth` takes no argument");
    }

    #[test]
    fn an_unknown_name_lists_the_valid_ones() {
        let message = Quirk::parse("eq-prefix").unwrap_err().to_string();
        assert!(message.starts_with("unknown quirk `eq-prefix`; valid quirks: eq-substring"));
        assert!(message.contains("latency=MS"));
    }

    #[test]
    fn enabling_sets_the_switch_the_quirk_names() {
        let mut quirks = Quirks::default();
        quirks.enable(Quirk::EqSubstring);
        quirks.enable(Quirk::RateLimit(3));
        quirks.enable(Quirk::Latency(40));
        assert_eq!(
            quirks,
            Quirks {
                eq_substring: true,
                rate_limit_every: Some(3),
                latency: Some(Duration::from_millis(40)),
                ..Quirks::default()
            }
        );
        quirks.enable(Quirk::RateLimit(9));
        assert_eq!(quirks.rate_limit_every, Some(9), "a later one overrides");
    }
}

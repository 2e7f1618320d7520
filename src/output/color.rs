//! When to colour, as a pure function of the flag, the environment and the stream. It does not
//! read the environment itself: the caller passes the variables in.
//!
//! `--color always|never` wins. Under `auto`: `NO_COLOR` (non-empty) turns colour off
//! (no-color.org), then `CLICOLOR_FORCE` (not `0`) turns it on, then `CLICOLOR=0` turns it
//! off, and otherwise colour follows whether the stream is a terminal (bixense.com/clicolors).

use std::fmt;

/// `--color`
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ColorChoice {
    /// Follow the environment and the terminal.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Parses `auto`, `always` or `never`.
    pub fn parse(text: &str) -> Result<ColorChoice, String> {
        match text.to_ascii_lowercase().as_str() {
            "auto" => Ok(ColorChoice::Auto),
            "always" => Ok(ColorChoice::Always),
            "never" => Ok(ColorChoice::Never),
            _ => Err(format!(
                "unknown colour choice `{text}`; expected auto, always or never"
            )),
        }
    }
}

impl fmt::Display for ColorChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ColorChoice::Auto => "auto",
            ColorChoice::Always => "always",
            ColorChoice::Never => "never",
        })
    }
}

/// The colour variables of the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColorEnv {
    pub no_color: Option<String>,
    pub clicolor: Option<String>,
    pub clicolor_force: Option<String>,
}

impl ColorEnv {
    /// Reads the variables through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> ColorEnv {
        ColorEnv {
            no_color: var("NO_COLOR"),
            clicolor: var("CLICOLOR"),
            clicolor_force: var("CLICOLOR_FORCE"),
        }
    }
}

/// Whether to colour a stream.
pub fn use_color(choice: ColorChoice, env: &ColorEnv, is_terminal: bool) -> bool {
    let set = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if set(&env.no_color) {
                false
            } else if set(&env.clicolor_force) && env.clicolor_force.as_deref() != Some("0") {
                true
            } else if env.clicolor.as_deref() == Some("0") {
                false
            } else {
                is_terminal
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(no_color: Option<&str>, clicolor: Option<&str>, force: Option<&str>) -> ColorEnv {
        ColorEnv {
            no_color: no_color.map(str::to_owned),
            clicolor: clicolor.map(str::to_owned),
            clicolor_force: force.map(str::to_owned),
        }
    }

    #[test]
    fn the_flag_wins_over_everything() {
        let hostile = env(Some("1"), Some("0"), None);
        assert!(use_color(ColorChoice::Always, &hostile, false));
        assert!(!use_color(
            ColorChoice::Never,
            &env(None, None, Some("1")),
            true
        ));
    }

    #[test]
    fn auto_follows_the_terminal_without_variables() {
        assert!(use_color(ColorChoice::Auto, &ColorEnv::default(), true));
        assert!(!use_color(ColorChoice::Auto, &ColorEnv::default(), false));
    }

    #[test]
    fn no_color_turns_colour_off_even_when_forced() {
        assert!(!use_color(
            ColorChoice::Auto,
            &env(Some("1"), None, Some("1")),
            true
        ));
        assert!(
            use_color(ColorChoice::Auto, &env(Some(""), None, None), true),
            "an empty NO_COLOR does not count"
        );
    }

    #[test]
    fn clicolor_force_colours_a_pipe_and_clicolor_0_silences_a_terminal() {
        assert!(use_color(
            ColorChoice::Auto,
            &env(None, None, Some("1")),
            false
        ));
        assert!(!use_color(
            ColorChoice::Auto,
            &env(None, None, Some("0")),
            false
        ));
        assert!(!use_color(
            ColorChoice::Auto,
            &env(None, Some("0"), None),
            true
        ));
        assert!(use_color(
            ColorChoice::Auto,
            &env(None, Some("1"), None),
            true
        ));
    }
}

//! "Did you mean": the known names nearest to a misspelt one, by edit distance. It only ranks
//! the names it is given; it knows no schema and no check id of its own.
//!
//! Used for unknown attributes (`lint`, `explain`) and unknown check ids (`test --waivers`).
//! Letter case does not count, since attribute names are case-insensitive (RFC 7643 §2.1).
//! Pure: std and the `strsim` distance only.

/// The known names nearest to `wanted`: those close enough to be a likely typo (or that one
/// starts with the other, as `display` and `displayName` do) and about as close as the nearest
/// one, at most three, nearest first.
pub fn closest<'a>(wanted: &str, known: &[&'a str]) -> Vec<&'a str> {
    let wanted = wanted.to_lowercase();
    let near_enough = (wanted.chars().count() / 4).max(3);
    let mut scored: Vec<(usize, &str)> = known
        .iter()
        .filter_map(|name| {
            let lower = name.to_lowercase();
            let distance = strsim::levenshtein(&wanted, &lower);
            let (short, long) = if lower.len() < wanted.len() {
                (lower.as_str(), wanted.as_str())
            } else {
                (wanted.as_str(), lower.as_str())
            };
            let extends = short.chars().count() >= 4 && long.starts_with(short);
            (distance <= near_enough || extends).then_some((distance, *name))
        })
        .collect();
    scored.sort_unstable();
    scored.dedup();
    let nearest = scored.first().map_or(0, |(distance, _)| *distance);
    scored
        .into_iter()
        .take_while(|(distance, _)| *distance <= nearest + 2)
        .take(3)
        .map(|(_, name)| name)
        .collect()
}

/// ", did you mean `a` or `b`?" for the nearest names, or nothing when none is near.
pub fn did_you_mean(wanted: &str, known: &[&str]) -> String {
    match closest(wanted, known).as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        several => format!("; did you mean `{}`?", several.join("`, `")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_names_come_first_whatever_their_case() {
        let known = ["userName", "nickName", "name", "displayName"];
        assert_eq!(closest("username", &known), ["userName"]);
        assert_eq!(closest("NICKNAM", &known), ["nickName"]);
        assert_eq!(closest("usrName", &known), ["userName", "name"]);
        assert!(closest("zzzzzzzzzz", &known).is_empty());
        assert_eq!(
            closest("displayName", &["value", "$ref", "display", "type"]),
            ["display"]
        );
    }

    #[test]
    fn the_hint_reads_as_a_question_or_not_at_all() {
        assert_eq!(
            did_you_mean("emial", &["email", "emails"]),
            "; did you mean `email`, `emails`?"
        );
        assert_eq!(
            did_you_mean("nickname", &["nickName"]),
            "; did you mean `nickName`?"
        );
        assert_eq!(did_you_mean("qqqqqqqq", &["displayName"]), "");
    }
}

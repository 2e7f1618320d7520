//! The lexical form of a SCIM dateTime: `xsd:dateTime` as XML Schema 1.1 Part 2 §3.3.7 writes
//! it, which RFC 7643 §2.3.5 makes the form of every dateTime value (`meta.created`,
//! `meta.lastModified`, dateTime attributes). It only recognises text; comparing instants is the
//! filter evaluator's business. Pure: std only.
//!
//! The grammar (XSD 1.1 §3.3.7.2, `dateTimeLexicalRep`):
//!
//! ```text
//! yearFrag '-' monthFrag '-' dayFrag 'T' ((hourFrag ':' minuteFrag ':' secondFrag) | '24:00:00' ('.' '0'+)?) timezoneFrag?
//! yearFrag      '-'? ([1-9] digit digit digit+ | '0' digit digit digit)
//! secondFrag    [0-5] digit ('.' digit+)?
//! timezoneFrag  'Z' | ('+' | '-') (('0' digit | '1' [0-3]) ':' minuteFrag | '14:00')
//! ```
//!
//! with the day no later than the month's last (29 February in leap years only). The time zone
//! is optional in xsd:dateTime, so `2008-01-23T04:56:22` is a valid value; a date alone, a time
//! alone, an epoch number and a leap second (`:60`) are not. RFC 7643 §2.3.5 gives dateTimes "no
//! case sensitivity", so `t` and `z` are read like `T` and `Z`.

/// True when `text` is an xsd:dateTime (XML Schema 1.1 Part 2 §3.3.7), as RFC 7643 §2.3.5
/// requires of every dateTime value.
pub fn is_xsd_date_time(text: &str) -> bool {
    parse(text).is_some()
}

/// The parse, `None` at the first thing the grammar does not allow.
fn parse(text: &str) -> Option<()> {
    let mut rest = Cursor(text);
    let year = rest.year()?;
    rest.literal('-')?;
    let month = rest.number(2)?;
    rest.literal('-')?;
    let day = rest.number(2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if !(rest.literal('T').is_some() || rest.literal('t').is_some()) {
        return None;
    }
    let hour = rest.number(2)?;
    rest.literal(':')?;
    let minute = rest.number(2)?;
    rest.literal(':')?;
    let second = rest.number(2)?;
    let fraction = rest.fraction()?;
    let end_of_day =
        hour == 24 && minute == 0 && second == 0 && fraction.bytes().all(|b| b == b'0');
    if !(end_of_day || (hour < 24 && minute < 60 && second < 60)) {
        return None;
    }
    rest.time_zone()?;
    rest.0.is_empty().then_some(())
}

/// The part of the text still to read.
struct Cursor<'t>(&'t str);

impl Cursor<'_> {
    fn literal(&mut self, wanted: char) -> Option<()> {
        self.0 = self.0.strip_prefix(wanted)?;
        Some(())
    }

    /// Exactly `width` ASCII digits.
    fn number(&mut self, width: usize) -> Option<u32> {
        let digits = self.0.get(..width)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.0 = &self.0[width..];
        digits.parse().ok()
    }

    /// `'-'? ([1-9] digit{3,} | '0' digit{3})`: four digits or more, no leading zero beyond four.
    fn year(&mut self) -> Option<i64> {
        let negative = self.literal('-').is_some();
        let width = self.0.bytes().take_while(u8::is_ascii_digit).count();
        let digits = &self.0[..width];
        if width < 4 || (width > 4 && digits.starts_with('0')) {
            return None;
        }
        self.0 = &self.0[width..];
        let year: i64 = digits.parse().ok()?;
        Some(if negative { -year } else { year })
    }

    /// `('.' digit+)?`: the fraction's digits, empty when there is none.
    fn fraction(&mut self) -> Option<&str> {
        let Some(after_dot) = self.0.strip_prefix('.') else {
            return Some("");
        };
        let width = after_dot.bytes().take_while(u8::is_ascii_digit).count();
        if width == 0 {
            return None;
        }
        let digits = &after_dot[..width];
        self.0 = &after_dot[width..];
        Some(digits)
    }

    /// `timezoneFrag?`: nothing, `Z`, or an offset from -14:00 to +14:00.
    fn time_zone(&mut self) -> Option<()> {
        if self.0.is_empty() || self.literal('Z').is_some() || self.literal('z').is_some() {
            return Some(());
        }
        if self.literal('+').is_none() {
            self.literal('-')?;
        }
        let hours = self.number(2)?;
        self.literal(':')?;
        let minutes = self.number(2)?;
        (hours < 14 && minutes < 60 || hours == 14 && minutes == 0).then_some(())
    }
}

/// The last day of `month` in `year` (proleptic Gregorian, as XSD 1.1 counts years).
fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::is_xsd_date_time;

    #[test]
    fn the_rfcs_examples_are_date_times() {
        for text in [
            "2008-01-23T04:56:22Z",     // RFC 7643 §2.3.5
            "2010-01-23T04:56:22Z",     // RFC 7643 §8.2, meta.created
            "2011-05-13T04:42:34Z",     // RFC 7643 §8.2, meta.lastModified
            "2011-08-01T18:29:49.793Z", // RFC 7643 §8.3
            "2011-08-01T21:32:44.882Z", // RFC 7644 §3.5.1
        ] {
            assert!(is_xsd_date_time(text), "{text}");
        }
    }

    #[test]
    fn the_time_zone_is_optional_and_offsets_go_to_fourteen_hours() {
        for text in [
            "2008-01-23T04:56:22",
            "2008-01-23T04:56:22+05:30",
            "2008-01-23T04:56:22-14:00",
            "2008-01-23T04:56:22+00:00",
            "2008-01-23t04:56:22z",
            "2008-01-23T04:56:22.5",
            "2008-01-23T24:00:00",
            "2008-01-23T24:00:00.000Z",
            "2008-02-29T00:00:00Z",
            "2000-02-29T00:00:00Z",
            "12008-01-23T04:56:22Z",
            "-0044-03-15T12:00:00Z",
        ] {
            assert!(is_xsd_date_time(text), "{text}");
        }
    }

    #[test]
    fn near_misses_are_not_date_times() {
        for text in [
            "2008-01-23",                    // a date without a time
            "04:56:22Z",                     // a time without a date
            "1201064182",                    // epoch seconds, as text
            "2008-01-23 04:56:22Z",          // a space for the T
            "2008-01-23T04:56Z",             // no seconds
            "2008-01-23T04:56:22.Z",         // a dot without digits
            "2008-01-23T04:56:60Z",          // a leap second
            "2008-01-23T24:00:01Z",          // past the end of the day
            "2008-01-23T04:56:22+14:30",     // beyond +14:00
            "2008-01-23T04:56:22+0530",      // an offset without its colon
            "2008-01-23T04:56:22 Z",         // a space before the zone
            "2008-13-01T00:00:00Z",          // month 13
            "2008-04-31T00:00:00Z",          // 31 April
            "2007-02-29T00:00:00Z",          // 29 February of a common year
            "1900-02-29T00:00:00Z",          // 1900 was not a leap year
            "08-01-23T04:56:22Z",            // a two-digit year
            "02008-01-23T04:56:22Z",         // a leading zero beyond four digits
            "2008-1-23T04:56:22Z",           // a one-digit month
            "2008-01-23T04:56:22Zjunk",      // something after the zone
            "Wed, 23 Jan 2008 04:56:22 GMT", // an HTTP date
            "",
        ] {
            assert!(!is_xsd_date_time(text), "{text}");
        }
    }
}

//! Dates as Arrow Date32 (days since 1970-01-01) and their ISO text form.

use chrono::{Datelike, NaiveDate};

const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => panic!("1970-01-01 is a date"),
};

/// Days since the epoch for a calendar date.
pub fn days_from_date(date: NaiveDate) -> i32 {
    // Every date chrono can represent fits in i32 days.
    date.signed_duration_since(EPOCH).num_days() as i32
}

/// The calendar date of a Date32 value, if chrono can represent it (±262,000 years; a corrupt
/// file can hold any i32).
pub fn checked_date(days: i32) -> Option<NaiveDate> {
    EPOCH.checked_add_signed(chrono::Duration::days(i64::from(days)))
}

/// The calendar date of a Date32 value, clamped to chrono's range.
pub fn date_from_days(days: i32) -> NaiveDate {
    checked_date(days).unwrap_or(if days < 0 { NaiveDate::MIN } else { NaiveDate::MAX })
}

/// `YYYY-MM-DD` for a Date32 value (`day N` when no calendar holds it).
pub fn iso(days: i32) -> String {
    match checked_date(days) {
        Some(date) => date.format("%Y-%m-%d").to_string(),
        None => format!("day {days}"),
    }
}

/// Parses `YYYY-MM-DD` into Date32 days.
pub fn parse_iso(text: &str) -> Option<i32> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok().map(days_from_date)
}

/// The calendar year of a Date32 value.
pub fn year_of(days: i32) -> i32 {
    date_from_days(days).year()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_iso_dates() {
        assert_eq!(parse_iso("1970-01-01"), Some(0));
        assert_eq!(parse_iso("2023-01-03"), Some(19360));
        assert_eq!(iso(19360), "2023-01-03");
        assert_eq!(year_of(19360), 2023);
        assert_eq!(parse_iso("2023-02-30"), None);
        assert_eq!(parse_iso("01/03/2023"), None);
    }

    #[test]
    fn any_i32_has_a_text_and_a_year() {
        for days in [i32::MIN, -100_000_000, 100_000_000, i32::MAX] {
            assert_eq!(iso(days), format!("day {days}"));
            let _ = year_of(days);
        }
    }
}

//! Earnings rules (docs/scenario.md, "strategy.earnings"): stay out of earnings, or trade only into
//! them, by the dataset's earnings dates (`events.arrow`). Days are counted in the ticker's trading
//! days from its *reaction day*: the earnings date itself for a report before the open, the next
//! trading day for one after the close — the first close that knows the result.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::AtLeastOne;

/// Longest window of a rule, in trading days (a quarter).
pub const MAX_DAYS: u32 = 63;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, try_from = "RawEarnings")]
pub struct Earnings {
    /// No entry on the `before` trading days before a reaction day, nor on the `after` trading days
    /// after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avoid: Option<Avoid>,
    /// Close every position of the ticker on the N trading days before a reaction day (the first of
    /// them it is open on), so none holds through the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_before: Option<AtLeastOne>,
    /// Enter only on the N trading days before a reaction day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enter_before: Option<AtLeastOne>,
    /// Close, on a reaction day, every position opened before it (the day after an after-close
    /// report; the report's own day for a before-open one).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exit_after: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Avoid {
    #[serde(default)]
    pub before: u32,
    #[serde(default)]
    pub after: u32,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawEarnings {
    #[serde(default)]
    avoid: Option<Avoid>,
    #[serde(default)]
    close_before: Option<AtLeastOne>,
    #[serde(default)]
    enter_before: Option<AtLeastOne>,
    #[serde(default)]
    exit_after: bool,
}

impl TryFrom<RawEarnings> for Earnings {
    type Error = String;
    fn try_from(r: RawEarnings) -> Result<Self, String> {
        if r.avoid.is_none() && r.close_before.is_none() && r.enter_before.is_none() && !r.exit_after {
            return Err("give at least one of avoid, close_before, enter_before, exit_after".into());
        }
        if r.enter_before.is_some() && (r.avoid.is_some() || r.close_before.is_some()) {
            return Err("enter_before: trades into earnings, so it cannot go with `avoid` or `close_before`".into());
        }
        if let Some(a) = r.avoid {
            if a.before == 0 && a.after == 0 {
                return Err("avoid: give `before`, `after` or both (trading days)".into());
            }
            for (field, n) in [("before", a.before), ("after", a.after)] {
                if n > MAX_DAYS {
                    return Err(format!("avoid: {field}: at most {MAX_DAYS} trading days, got {n}"));
                }
            }
        }
        for (field, n) in [("close_before", r.close_before), ("enter_before", r.enter_before)] {
            if let Some(n) = n.filter(|n| n.0 > MAX_DAYS) {
                return Err(format!("{field}: at most {MAX_DAYS} trading days, got {}", n.0));
            }
        }
        Ok(Earnings {
            avoid: r.avoid,
            close_before: r.close_before,
            enter_before: r.enter_before,
            exit_after: r.exit_after,
        })
    }
}

/// Where a trading day stands against the ticker's reaction days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Today {
    /// Trading days until the next reaction day after today (1 = tomorrow).
    pub until_next: Option<usize>,
    /// Trading days since the last reaction day on or before today (0 = today is one).
    pub since_last: Option<usize>,
}

impl Today {
    /// Day `i` of a ticker against its reaction days (`reactions`: ascending indices into the same
    /// days).
    pub fn at(reactions: &[usize], i: usize) -> Today {
        let next = reactions.partition_point(|&r| r <= i);
        Today {
            until_next: reactions.get(next).map(|&r| r - i),
            since_last: next.checked_sub(1).map(|k| i - reactions[k]),
        }
    }
}

impl Earnings {
    /// Whether the rules allow an entry today.
    pub fn allows_entry(&self, t: Today) -> bool {
        let within = |n: Option<usize>, lo: usize, hi: u32| n.is_some_and(|k| k >= lo && k <= hi as usize);
        if let Some(a) = self.avoid
            && (within(t.until_next, 1, a.before) || within(t.since_last, 1, a.after))
        {
            return false;
        }
        match self.enter_before {
            Some(n) => within(t.until_next, 1, n.0),
            None => true,
        }
    }

    /// Whether a position opened on `opened` (a date) closes today, `today` being a date.
    pub fn closes(&self, t: Today, opened: i32, today: i32) -> bool {
        let before = self.close_before.is_some_and(|n| t.until_next.is_some_and(|k| k >= 1 && k <= n.0 as usize));
        let after = self.exit_after && t.since_last == Some(0) && opened < today;
        before || after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Earnings {
        serde_norway::from_str(text).unwrap()
    }
    fn at(until_next: Option<usize>, since_last: Option<usize>) -> Today {
        Today { until_next, since_last }
    }

    #[test]
    fn a_day_counts_trading_days_to_the_next_reaction_and_since_the_last() {
        let r = [3, 10];
        assert_eq!(Today::at(&r, 0), at(Some(3), None));
        assert_eq!(Today::at(&r, 3), at(Some(7), Some(0)));
        assert_eq!(Today::at(&r, 9), at(Some(1), Some(6)));
        assert_eq!(Today::at(&r, 12), at(None, Some(2)));
        assert_eq!(Today::at(&[], 5), at(None, None));
    }

    #[test]
    fn avoid_blocks_the_days_before_and_after_the_reaction_day_but_not_the_day_itself() {
        let r = rules("{ avoid: { before: 2, after: 1 } }");
        assert!(r.allows_entry(at(Some(3), None)));
        assert!(!r.allows_entry(at(Some(2), None)));
        assert!(!r.allows_entry(at(Some(1), Some(40))), "the close before the reaction");
        assert!(r.allows_entry(at(Some(60), Some(0))), "the reaction day's close knows the result");
        assert!(!r.allows_entry(at(Some(59), Some(1))));
        assert!(r.allows_entry(at(Some(58), Some(2))));
        assert!(r.allows_entry(at(None, None)), "no earnings in sight");
    }

    #[test]
    fn enter_before_allows_only_the_days_leading_in() {
        let r = rules("{ enter_before: 3, exit_after: true }");
        assert!(!r.allows_entry(at(Some(4), None)));
        assert!(r.allows_entry(at(Some(3), None)));
        assert!(r.allows_entry(at(Some(1), None)));
        assert!(!r.allows_entry(at(Some(60), Some(0))));
        assert!(!r.allows_entry(at(None, Some(5))));
        // On the reaction day, what was opened before it closes; what opens today stays.
        assert!(r.closes(at(Some(60), Some(0)), 100, 103));
        assert!(!r.closes(at(Some(60), Some(0)), 103, 103));
        assert!(!r.closes(at(Some(1), Some(50)), 100, 103));
    }

    #[test]
    fn close_before_closes_inside_its_window() {
        let r = rules("{ close_before: 2 }");
        assert!(!r.closes(at(Some(3), None), 0, 10));
        assert!(r.closes(at(Some(2), None), 0, 10));
        assert!(r.closes(at(Some(1), None), 0, 10));
        assert!(!r.closes(at(None, Some(0)), 0, 10));
    }

    #[test]
    fn contradictions_and_empty_rules_are_refused() {
        let bad = |text: &str| serde_norway::from_str::<Earnings>(text).unwrap_err().to_string();
        assert!(bad("{}").contains("give at least one of"));
        assert!(bad("{ enter_before: 3, avoid: { before: 2 } }").contains("cannot go with"));
        assert!(bad("{ avoid: {} }").contains("give `before`, `after` or both"));
        assert!(bad("{ avoid: { before: 70 } }").contains("at most 63"));
        assert!(bad("{ close_before: 0 }").contains("from 1"));
    }
}

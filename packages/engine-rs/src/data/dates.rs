//! Lists of dates for the `dates` entry signal (docs/scenario.md, "Signals"): a date set of the
//! dataset — stored in `series.arrow` as the series `NAME` (dates for every ticker) and
//! `NAME.TICKER` (dates for one ticker), written by `aegis-data import-dates` — or a CSV file
//! beside the scenario with a `date` column and an optional `ticker` column.

use std::collections::BTreeMap;

use crate::dates::parse_iso;
use crate::scenario::ScenarioError;

use super::series::Series;

/// Most bytes of a dates file.
pub const MAX_FILE_BYTES: usize = 16 << 20;

/// Dates listed for every ticker and for single tickers, each sorted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DateList {
    all: Vec<i32>,
    by_ticker: BTreeMap<String, Vec<i32>>,
}

impl DateList {
    fn add(&mut self, date: i32, ticker: Option<&str>) {
        match ticker {
            None => self.all.push(date),
            Some(t) => self.by_ticker.entry(t.to_string()).or_default().push(date),
        }
    }

    fn finish(mut self) -> DateList {
        self.all.sort_unstable();
        self.all.dedup();
        for dates in self.by_ticker.values_mut() {
            dates.sort_unstable();
            dates.dedup();
        }
        self
    }

    /// Whether `date` is listed for `ticker` (or for every ticker).
    pub fn lists(&self, ticker: &str, date: i32) -> bool {
        self.all.binary_search(&date).is_ok()
            || self.by_ticker.get(ticker).is_some_and(|d| d.binary_search(&date).is_ok())
    }

    /// How many dates are listed, over every ticker.
    pub fn len(&self) -> usize {
        self.all.len() + self.by_ticker.values().map(Vec::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The date set `set` of the dataset's series: `set` for every ticker, `set.TICKER` for
    /// one; `None` when the dataset has neither.
    pub fn from_series(series: &Series, set: &str) -> Option<DateList> {
        let prefix = format!("{set}.");
        let mut list = DateList::default();
        let mut found = false;
        for name in series.names() {
            let ticker = if name == set {
                None
            } else if let Some(t) = name.strip_prefix(&prefix) {
                Some(t)
            } else {
                continue;
            };
            found = true;
            for &(date, _) in series.get(name).unwrap_or_default() {
                list.add(date, ticker);
            }
        }
        found.then(|| list.finish())
    }

    /// Reads a dates CSV: a header `date` or `date,ticker`, then one date (YYYY-MM-DD) per line,
    /// with a ticker or an empty ticker (every ticker). Blank lines are skipped; anything else
    /// wrong is an error naming the file (`source`) and its line.
    pub fn parse_csv(bytes: &[u8], source: &str) -> Result<DateList, ScenarioError> {
        let err = |line: Option<usize>, message: String| ScenarioError {
            source_name: source.to_string(),
            path: String::new(),
            message,
            line,
            column: None,
        };
        if bytes.len() > MAX_FILE_BYTES {
            return Err(err(None, format!("{} bytes; a dates file holds at most {MAX_FILE_BYTES}", bytes.len())));
        }
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
            err(Some(line), "not UTF-8 text".into())
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
        let (header_line, header) = lines
            .by_ref()
            .find(|(_, l)| !l.trim().is_empty())
            .ok_or_else(|| err(None, "empty: give a header `date` (or `date,ticker`) and one date per line".into()))?;
        let columns: Vec<String> = header.split(',').map(|c| c.trim().to_ascii_lowercase()).collect();
        let with_ticker = match columns.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            ["date"] => false,
            ["date", "ticker"] => true,
            _ => {
                return Err(err(
                    Some(header_line),
                    format!("the header is {header:?}; expected `date` or `date,ticker`"),
                ));
            }
        };
        let mut list = DateList::default();
        let mut rows = 0usize;
        for (n, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if fields.len() != columns.len() {
                return Err(err(
                    Some(n),
                    format!("{} field(s), the header has {}: {line:?}", fields.len(), columns.len()),
                ));
            }
            let date = parse_iso(fields[0])
                .ok_or_else(|| err(Some(n), format!("{:?} is not a date (YYYY-MM-DD)", fields[0])))?;
            let ticker = if with_ticker && !fields[1].is_empty() { Some(fields[1]) } else { None };
            if let Some(t) = ticker
                && !valid_ticker(t)
            {
                return Err(err(Some(n), format!("{t:?} is not a ticker (letters, digits, '.', '_', '-')")));
            }
            list.add(date, ticker);
            rows += 1;
        }
        if rows == 0 {
            return Err(err(None, "no dates: give one date per line after the header".into()));
        }
        Ok(list.finish())
    }
}

fn valid_ticker(t: &str) -> bool {
    let mut chars = t.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && t.len() <= 32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::d;

    #[test]
    fn a_csv_lists_dates_for_every_ticker_or_one() {
        let csv = b"date,ticker\n2023-01-05,\n2023-01-03,ACME\n\n2023-01-03,ACME\r\n2023-01-10,GLOBEX\n";
        let l = DateList::parse_csv(csv, "d.csv").unwrap();
        assert!(l.lists("ACME", d("2023-01-05")) && l.lists("GLOBEX", d("2023-01-05")));
        assert!(l.lists("ACME", d("2023-01-03")) && !l.lists("GLOBEX", d("2023-01-03")));
        assert!(l.lists("GLOBEX", d("2023-01-10")) && !l.lists("ACME", d("2023-01-10")));
        assert_eq!(l.len(), 3, "a repeated row is one date");
        let only = DateList::parse_csv("\u{feff}Date\n2023-02-01\n".as_bytes(), "d.csv").unwrap();
        assert!(only.lists("ANY", d("2023-02-01")));
    }

    #[test]
    fn a_bad_csv_is_refused_naming_the_file_and_line() {
        let cases: [(&[u8], Option<usize>, &str); 8] = [
            (b"", None, "empty"),
            (b"day\n2023-01-01\n", Some(1), "expected `date` or `date,ticker`"),
            (b"date\n2023-01-01\n2023-02-30\n", Some(3), "\"2023-02-30\" is not a date"),
            (b"date\n2023-01-01,ACME\n", Some(2), "2 field(s), the header has 1"),
            (b"date,ticker\n2023-01-01,AC ME\n", Some(2), "\"AC ME\" is not a ticker"),
            (b"date\n\n\n", None, "no dates"),
            (b"date\n2023-01-01\n\xff\n", Some(3), "not UTF-8"),
            (b"date,ticker\n2023-01-01\n", Some(2), "1 field(s), the header has 2"),
        ];
        for (bytes, line, message) in cases {
            let e = DateList::parse_csv(bytes, "dir/d.csv").unwrap_err();
            assert_eq!(e.source_name, "dir/d.csv");
            assert_eq!(e.line, line, "{e}");
            assert!(e.message.contains(message), "{e}");
        }
    }
}

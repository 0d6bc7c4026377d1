//! One trading day's option chain: a contiguous slice of a partition's columns, grouped by
//! expiration. Rows are sorted by (expirDate, strike), so finding a contract is two binary
//! searches, never a scan.

use std::borrow::Cow;

use crate::data::partition::Columns;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Right {
    Call,
    Put,
}

/// One expiration's rows within the batch: `start..end`, strikes ascending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    pub date: i32,
    pub start: usize,
    pub end: usize,
}

/// A contract's market on one day, from one side of the ORATS row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quote {
    pub bid: f64,
    pub ask: f64,
    /// ORATS' theoretical value (`cValue` / `pValue`).
    pub value: f64,
    pub mid_iv: f64,
    /// The contract's own delta: call delta, or call delta − 1 for a put (docs/data-format.md).
    pub delta: f64,
}

impl Quote {
    pub fn mid(&self) -> f64 {
        0.5 * (self.bid + self.ask)
    }
}

/// Where a held contract was found last: a leg looked up every day usually sits at the same
/// place within its expiry the next day, so one strike compared replaces a binary search (the
/// marking of held legs waits on memory, not on arithmetic). A cache, never part of a leg's
/// identity: any two hints compare equal.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowHint {
    /// The trade date `row` belongs to.
    date: i32,
    row: usize,
    /// The row's place within its expiry's rows.
    offset: usize,
}

impl RowHint {
    /// A hint that knows nothing (what `default` gives, usable in a constant).
    pub const EMPTY: RowHint = RowHint { date: 0, row: 0, offset: 0 };
}

impl PartialEq for RowHint {
    fn eq(&self, _: &RowHint) -> bool {
        true
    }
}

#[derive(Debug, Clone)]
pub struct DayChain<'a> {
    pub cols: &'a Columns,
    pub trade_date: i32,
    pub start: usize,
    pub end: usize,
    /// Its own, or borrowed from an index built once for every run on the data (a sweep's points
    /// visit each day many times).
    pub expiries: Cow<'a, [Expiry]>,
}

impl<'a> DayChain<'a> {
    pub(crate) fn new(cols: &'a Columns, trade_date: i32, start: usize, end: usize) -> Self {
        let expiries = Cow::Owned(Self::group(cols, start, end));
        DayChain { cols, trade_date, start, end, expiries }
    }

    /// A day whose expiries were grouped before ([`DayChain::group`] of the same rows).
    pub(crate) fn with_expiries(
        cols: &'a Columns,
        trade_date: i32,
        start: usize,
        end: usize,
        expiries: &'a [Expiry],
    ) -> Self {
        DayChain { cols, trade_date, start, end, expiries: Cow::Borrowed(expiries) }
    }

    /// The day's rows `start..end` grouped by expiry.
    pub(crate) fn group(cols: &Columns, start: usize, end: usize) -> Vec<Expiry> {
        let exp = &cols.expir_date[..];
        let mut expiries = Vec::new();
        let mut s = start;
        while s < end {
            let date = exp[s];
            // Rows of one expiry are contiguous and hold a few dozen rows: scanned 16 at a time (a
            // compare the compiler vectorizes) to the first block that leaves the expiry.
            let mut e = s;
            while let Some(block) = exp.get(e..(e + 16).min(end))
                && !block.is_empty()
                && block.iter().fold(true, |same, &d| same & (d == date))
            {
                e += block.len();
            }
            e += exp[e..end].iter().take_while(|&&d| d == date).count();
            expiries.push(Expiry { date, start: s, end: e });
            s = e;
        }
        expiries
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The underlying's price that day (`stkPx` of the first row).
    pub fn underlying(&self) -> f64 {
        self.cols.stk_px[self.start]
    }

    /// The underlying's price when it can be used: finite, positive, not null.
    pub fn usable_underlying(&self) -> Option<f64> {
        let s = self.underlying();
        (s.is_finite() && s > 0.0 && !self.is_null_row(self.start)).then_some(s)
    }

    /// Contract sides of the day whose quote breaks the data contract: not a finite
    /// `0 ≤ bid ≤ ask`, or a null anywhere in the row (counted in a run's diagnostics).
    pub fn invalid_quotes(&self) -> u64 {
        let c = self.cols;
        let (rows, nulls) = (self.start..self.end, c.null_rows.as_deref());
        // Branch-free over plain slices, so the count runs at memory speed (it reads four whole
        // columns of every day a run loads).
        let bad = |bid: f64, ask: f64| u64::from(!(bid.is_finite() && ask.is_finite() && 0.0 <= bid && bid <= ask));
        let sides = c.c_bid[rows.clone()]
            .iter()
            .zip(&c.c_ask[rows.clone()])
            .zip(c.p_bid[rows.clone()].iter().zip(&c.p_ask[rows.clone()]));
        match nulls {
            None => sides.map(|((&cb, &ca), (&pb, &pa))| bad(cb, ca) + bad(pb, pa)).sum(),
            Some(nulls) => sides
                .zip(&nulls[rows])
                .map(|(((&cb, &ca), (&pb, &pa)), &null)| if null { 2 } else { bad(cb, ca) + bad(pb, pa) })
                .sum(),
        }
    }

    /// True when the row has a null in some column: its quotes are unusable.
    pub fn is_null_row(&self, row: usize) -> bool {
        self.cols.null_rows.as_ref().is_some_and(|rows| rows[row])
    }

    pub fn expiry(&self, date: i32) -> Option<&Expiry> {
        self.expiries.binary_search_by_key(&date, |e| e.date).ok().map(|i| &self.expiries[i])
    }

    /// The batch row of (expiry, strike), if the day lists it.
    pub fn find(&self, expiry: i32, strike: f64) -> Option<usize> {
        let e = self.expiry(expiry)?;
        let strikes = &self.cols.strike[e.start..e.end];
        let i = strikes.partition_point(|&k| k < strike);
        (i < strikes.len() && strikes[i] == strike).then_some(e.start + i)
    }

    /// [`DayChain::find`], trying the place the hint remembers first; the hint learns the answer.
    /// The same row as `find` whatever the hint says (strikes are unique within an expiry).
    pub fn find_hinted(&self, expiry: i32, strike: f64, hint: &mut RowHint) -> Option<usize> {
        // Found today already (marking, then the exit rules): still checked, since a split may
        // have changed the leg's strike in between.
        let c = self.cols;
        if hint.date == self.trade_date
            && (self.start..self.end).contains(&hint.row)
            && c.strike[hint.row] == strike
            && c.expir_date[hint.row] == expiry
        {
            return Some(hint.row);
        }
        let e = self.expiry(expiry)?;
        let guess = e.start + hint.offset;
        let row = if guess < e.end && self.cols.strike[guess] == strike {
            guess
        } else {
            let strikes = &self.cols.strike[e.start..e.end];
            let i = strikes.partition_point(|&k| k < strike);
            if !(i < strikes.len() && strikes[i] == strike) {
                return None;
            }
            e.start + i
        };
        *hint = RowHint { date: self.trade_date, row, offset: row - e.start };
        Some(row)
    }

    /// Open interest and volume of one side of a batch row (`cOi`/`cVolu` or `pOi`/`pVolu`).
    pub fn activity(&self, row: usize, right: Right) -> (i32, i32) {
        let c = self.cols;
        match right {
            Right::Call => (c.c_oi[row], c.c_volu[row]),
            Right::Put => (c.p_oi[row], c.p_volu[row]),
        }
    }

    /// The quote of one side of a batch row. A row with a null anywhere quotes NaN, which no
    /// rule accepts as a market.
    pub fn quote(&self, row: usize, right: Right) -> Quote {
        let c = self.cols;
        if self.is_null_row(row) {
            return Quote { bid: f64::NAN, ask: f64::NAN, value: f64::NAN, mid_iv: f64::NAN, delta: f64::NAN };
        }
        match right {
            Right::Call => Quote {
                bid: c.c_bid[row],
                ask: c.c_ask[row],
                value: c.c_value[row],
                mid_iv: c.c_mid_iv[row],
                delta: c.delta[row],
            },
            Right::Put => Quote {
                bid: c.p_bid[row],
                ask: c.p_ask[row],
                value: c.p_value[row],
                mid_iv: c.p_mid_iv[row],
                delta: c.delta[row] - 1.0,
            },
        }
    }

    /// Looks a contract up by expiry, strike and right.
    pub fn contract(&self, expiry: i32, strike: f64, right: Right) -> Option<Quote> {
        self.find(expiry, strike).map(|row| self.quote(row, right))
    }

    /// Days to expiry of an expiration date, counted in calendar days from this trade date.
    pub fn dte(&self, expiry: i32) -> i32 {
        expiry - self.trade_date
    }
}

//! Cash, open positions, fills, marks and greeks. Plain data (serializable), so the whole engine
//! state can be checkpointed.
//!
//! Conventions: a leg's signed contracts are `side × qty × units` (long +, short −); prices are per
//! share and one contract is 100 shares. Opening pays `contracts × price × 100` (a sale receives);
//! closing receives it back at the closing price; every fill pays the commission per contract,
//! except settlement at expiry and assignment. A position may also hold shares of its underlying
//! (signed, + long); they are bought and sold at a price per share and marked at `stkPx`.

use serde::{Deserialize, Serialize};

use crate::analytics::ClosedTrade;
use crate::data::{DayChain, Right, RowHint};
use crate::engine::models::Models;
use crate::engine::risk::MULTIPLIER;
use crate::engine::select::ChosenLeg;
use crate::results::{Action, Attribution, Fill, HedgeTotals, Instrument, PositionRecord, Reason};
use crate::scenario::Side;

/// Per-share greeks of one contract, as of its last quote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Greeks {
    pub delta: f64,
    pub gamma: f64,
    /// Per calendar day.
    pub theta: f64,
    /// Per vol point.
    pub vega: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldLeg {
    pub leg: usize,
    pub right: Right,
    pub side: Side,
    pub qty: u32,
    pub expiry: i32,
    pub strike: f64,
    pub open_price: f64,
    /// Last mid (per share); the last known one when today has no quote.
    pub mark: f64,
    pub greeks: Greeks,
    /// Implied volatility of the last mark (the side's mid IV).
    #[serde(default)]
    pub iv: f64,
    /// The date of the last mark.
    #[serde(default)]
    pub marked_on: i32,
    /// Where the contract was listed when last looked up.
    #[serde(skip)]
    pub hint: std::cell::Cell<RowHint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub id: u32,
    /// Index into the scenario's strategies (`Scenario::members`).
    #[serde(default)]
    pub strategy: usize,
    /// Index into the scenario's tickers.
    pub ticker: usize,
    pub opened: i32,
    /// The ticker's trading-day counter on the day it opened.
    pub opened_day: u64,
    pub units: u32,
    pub legs: Vec<HeldLeg>,
    /// Net premium per unit per share at the entry fills: + credit received, − debit paid.
    pub premium: f64,
    pub fees: f64,
    /// Gross P&L of everything closed so far (legs, shares), in dollars.
    pub gross_pnl: f64,
    /// Shares held: + long, − short.
    #[serde(default)]
    pub shares: i64,
    /// Average price per share of the shares held.
    #[serde(default)]
    pub share_price: f64,
    /// Last underlying price (`stkPx`) the shares were marked at.
    #[serde(default)]
    pub share_mark: f64,
    /// Dividends received (+) or paid on short shares (−), in dollars.
    #[serde(default)]
    pub dividends: f64,
    /// Shares delivered by exercise or assignment, to be closed at the next close.
    #[serde(default)]
    pub close_shares: bool,
    /// Option legs this position has written against its shares (`cover`) so far.
    #[serde(default)]
    pub covers: u32,
    /// Shares held to hedge the position's delta (apart from `shares`): + long, − short.
    #[serde(default)]
    pub hedge_shares: i64,
    /// Average price per share of the hedge shares.
    #[serde(default)]
    pub hedge_price: f64,
    /// Its marked P&L by source so far.
    #[serde(default)]
    pub attribution: Attribution,
    /// Option legs opened so far (entry, covers, rolls).
    #[serde(default)]
    pub legs_opened: u32,
    /// Rolls so far.
    #[serde(default)]
    pub rolls: u32,
    /// A ticker's hedge book (`hedge.scope: ticker`): hedge shares only, never option legs; not a
    /// trade of the strategy (no `max_open` slot, no closed trade in the metrics).
    #[serde(default)]
    pub hedge_book: bool,
}

/// Which holding of shares a trade moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding {
    /// Shares of a stock leg, or delivered by exercise and assignment.
    Stock,
    /// Shares of the delta hedge.
    Hedge,
}

impl HeldLeg {
    pub fn contracts(&self, units: u32) -> f64 {
        self.side.sign() * f64::from(self.qty) * f64::from(units)
    }

    /// The contract's row in `chain`, if listed (its hint remembers where).
    pub fn row_in(&self, chain: &DayChain<'_>) -> Option<usize> {
        let mut hint = self.hint.get();
        let row = chain.find_hinted(self.expiry, self.strike, &mut hint);
        self.hint.set(hint);
        row
    }
}

impl Position {
    /// Marked value of the position in dollars (long positive).
    pub fn value(&self) -> f64 {
        let options: f64 = self.legs.iter().map(|l| l.contracts(self.units) * l.mark * MULTIPLIER).sum();
        let shares = self.all_shares();
        if shares == 0 { options } else { options + shares as f64 * self.share_mark }
    }

    /// Every share held: the stock holding and the hedge.
    pub fn all_shares(&self) -> i64 {
        self.shares + self.hedge_shares
    }

    /// Marked value of all shares less their cost.
    pub fn shares_unrealized(&self) -> f64 {
        self.shares as f64 * (self.share_mark - self.share_price)
            + self.hedge_shares as f64 * (self.share_mark - self.hedge_price)
    }

    /// Net delta in shares: Σ legs' contracts × 100 × delta, plus every share held.
    pub fn delta_shares(&self) -> f64 {
        let options: f64 = self.legs.iter().map(|l| l.contracts(self.units) * MULTIPLIER * l.greeks.delta).sum();
        options + self.all_shares() as f64
    }

    /// P&L per unit per share at the current marks, before costs: the open legs, and (when there
    /// are any) what is already closed, the shares and their dividends, per unit of 100 shares.
    pub fn pnl_per_share(&self) -> f64 {
        let legs: f64 = self.legs.iter().map(|l| l.side.sign() * f64::from(l.qty) * (l.mark - l.open_price)).sum();
        let rest = self.gross_pnl + self.dividends + self.shares_unrealized();
        // Adding an exact zero keeps the options-only sum bit for bit.
        if rest == 0.0 { legs } else { legs + rest / (f64::from(self.units) * MULTIPLIER) }
    }

    /// Net P&L in dollars at the current marks: what is closed, the open legs and shares against
    /// their cost, dividends, less every fee so far (what it would realize closing at its marks,
    /// before the closing costs).
    pub fn net_pnl(&self) -> f64 {
        let legs: f64 = self.legs.iter().map(|l| l.contracts(self.units) * (l.mark - l.open_price) * MULTIPLIER).sum();
        legs + self.shares_unrealized() + self.gross_pnl + self.dividends - self.fees
    }

    /// The nearest expiry among the legs.
    pub fn first_expiry(&self) -> i32 {
        self.legs.iter().map(|l| l.expiry).min().unwrap_or(i32::MAX)
    }
}

/// Greeks of one side of a chain row. ORATS carries the call's greeks: a put's delta is
/// delta − 1, gamma and vega are the call's, and its theta follows from put–call parity:
/// Θp = Θc + (r·K·e^(−rT) − q·S·e^(−qT)) / 365.
pub fn greeks_of(day: &DayChain<'_>, row: usize, right: Right) -> Greeks {
    let c = day.cols;
    let call = Greeks { delta: c.delta[row], gamma: c.gamma[row], theta: c.theta[row], vega: c.vega[row] };
    match right {
        Right::Call => call,
        Right::Put => {
            let (r, q, t, k, s) = (c.i_rate[row], c.div_rate[row], c.yte[row], c.strike[row], c.stk_px[row]);
            let carry = (r * k * (-r * t).exp() - q * s * (-q * t).exp()) / 365.0;
            Greeks { delta: call.delta - 1.0, theta: call.theta + carry, ..call }
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Portfolio {
    pub cash: f64,
    pub positions: Vec<Position>,
    pub next_id: u32,
    pub fills: Vec<Fill>,
    pub closed: Vec<ClosedTrade>,
    /// The strategy of each of `closed`.
    #[serde(default)]
    pub closed_strategy: Vec<usize>,
    #[serde(default)]
    pub hedge: HedgeTotals,
    /// Every position that ended, in the order they ended (positions.arrow).
    #[serde(default)]
    pub records: Vec<PositionRecord>,
    /// The sum of `closed`'s net P&L, added in their order as they close: the equity row reads it
    /// every day, and summing the whole list each day made a long run quadratic.
    #[serde(default = "empty_sum")]
    realized: f64,
    /// Whether `fills` and `records` keep everything, and what is kept of them when not.
    #[serde(default)]
    kept: Kept,
}

/// What is kept of the fills and position records: a run keeping only its row
/// ([`super::Keep::Row`]) drops them (a sweep point's row reads neither, and writing them was
/// ~6 % of a sweep's points), all but the day each position opened.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Kept {
    #[serde(skip)]
    dropped: bool,
    /// Each ended position's `opened`, in the order they ended (only while dropping the records).
    #[serde(default)]
    opened: Vec<i32>,
}

impl Kept {
    fn keep(&self, fills: &mut Vec<Fill>, fill: Fill) {
        if !self.dropped {
            fills.push(fill);
        }
    }
}

/// What summing no numbers gives, so the running `realized` has the bits of summing the list.
pub(super) fn empty_sum() -> f64 {
    std::iter::empty::<f64>().sum()
}

/// What the engine needs to know about the day a fill happens.
#[derive(Debug, Clone, Copy)]
pub struct FillContext<'a> {
    pub ticker: &'a str,
    pub date: i32,
    pub underlying: f64,
    /// How fills are priced and charged.
    pub models: &'a Models,
    /// The strategy acting: what it opens is its own, and it touches only its own positions.
    pub strategy: usize,
}

impl Portfolio {
    pub fn new(capital: f64) -> Self {
        Portfolio { cash: capital, next_id: 1, realized: empty_sum(), ..Default::default() }
    }

    /// [`Portfolio::new`] with room for a run of `days` trading days that opens a position every
    /// few of them: its lists grow by copying (a sweep's points spent ~3% of their time in it).
    pub fn for_days(capital: f64, days: usize) -> Self {
        Portfolio::sized(capital, days, true)
    }

    /// [`Portfolio::for_days`] keeping no fill or position record (`fills` and `records` stay
    /// empty, and [`Portfolio::entries`] is all that is kept of the records): for a run keeping
    /// only its row.
    pub fn for_days_without_tables(capital: f64, days: usize) -> Self {
        Portfolio::sized(capital, days, false)
    }

    fn sized(capital: f64, days: usize, tables: bool) -> Self {
        let ended = days / 4;
        let kept = |n: usize| if tables { n } else { 0 };
        Portfolio {
            fills: Vec::with_capacity(kept(2 * ended)),
            closed: Vec::with_capacity(ended),
            closed_strategy: Vec::with_capacity(ended),
            records: Vec::with_capacity(kept(ended)),
            kept: Kept { dropped: !tables, opened: Vec::with_capacity(ended - kept(ended)) },
            ..Portfolio::new(capital)
        }
    }

    /// The day each ended position opened, in the order they ended (`records`' `opened`).
    pub fn entries(&self) -> Vec<i32> {
        if self.kept.dropped { self.kept.opened.clone() } else { self.records.iter().map(|r| r.opened).collect() }
    }

    /// The closed trades' net P&L so far.
    pub fn realized_pnl(&self) -> f64 {
        self.realized
    }

    pub fn positions_value(&self) -> f64 {
        self.positions.iter().map(Position::value).sum()
    }

    pub fn equity(&self) -> f64 {
        self.cash + self.positions_value()
    }

    /// Strategy `strategy`'s open positions on `ticker` (not its hedge book).
    pub fn open_count(&self, strategy: usize, ticker: usize) -> usize {
        self.positions.iter().filter(|p| p.strategy == strategy && p.ticker == ticker && !p.hedge_book).count()
    }

    /// The index of the hedge book of the context's strategy on `ticker`, opened (empty) if it has none.
    pub fn hedge_book(&mut self, ctx: &FillContext<'_>, ticker: usize, day_counter: u64) -> usize {
        let strategy = ctx.strategy;
        if let Some(i) =
            self.positions.iter().position(|p| p.strategy == strategy && p.ticker == ticker && p.hedge_book)
        {
            return i;
        }
        self.open(ctx, ticker, day_counter, &[], 1);
        let i = self.positions.len() - 1;
        self.positions[i].hedge_book = true;
        i
    }

    /// Opens a position of `units`; each leg comes with its per-share fill and greeks.
    pub fn open(
        &mut self,
        ctx: &FillContext<'_>,
        ticker: usize,
        day_counter: u64,
        legs: &[(ChosenLeg, f64, Greeks)],
        units: u32,
    ) {
        let id = self.next_id;
        self.next_id += 1;
        let position = Position {
            id,
            strategy: ctx.strategy,
            ticker,
            opened: ctx.date,
            opened_day: day_counter,
            units,
            legs: Vec::with_capacity(legs.len()),
            premium: 0.0,
            fees: 0.0,
            gross_pnl: 0.0,
            shares: 0,
            share_price: 0.0,
            share_mark: ctx.underlying,
            dividends: 0.0,
            close_shares: false,
            covers: 0,
            hedge_shares: 0,
            hedge_price: 0.0,
            attribution: Attribution::default(),
            legs_opened: 0,
            rolls: 0,
            hedge_book: false,
        };
        self.positions.push(position);
        let index = self.positions.len() - 1;
        self.add_legs(ctx, index, legs, Reason::Entry);
    }

    /// Opens option legs in position `index` (at entry, or a cover written against its shares).
    pub fn add_legs(&mut self, ctx: &FillContext<'_>, index: usize, legs: &[(ChosenLeg, f64, Greeks)], reason: Reason) {
        let position = &mut self.positions[index];
        for &(l, price, g) in legs {
            let held = HeldLeg {
                leg: l.leg,
                right: l.right,
                side: l.side,
                qty: l.qty,
                expiry: l.expiry,
                strike: l.strike,
                open_price: price,
                mark: l.quote.mid(),
                greeks: g,
                iv: l.quote.mid_iv,
                marked_on: ctx.date,
                hint: Default::default(),
            };
            position.legs_opened += 1;
            let n = held.contracts(position.units);
            let fees = ctx.models.commission.option_fee(n);
            self.cash -= n * price * MULTIPLIER + fees;
            position.fees += fees;
            position.premium -= l.side.sign() * f64::from(l.qty) * price;
            self.kept.keep(&mut self.fills, fill(ctx, position, &held, n, price, fees, Action::Open, reason, 0.0));
            position.legs.push(held);
        }
    }

    /// Trades `shares` (signed: + buy, − sell) of position `index`'s underlying at `price` per
    /// share, paying `fees`. Shares that reduce the holding realize their P&L against its average
    /// price; shares that add to it (or open it) move the average.
    pub fn trade_shares(
        &mut self,
        ctx: &FillContext<'_>,
        index: usize,
        shares: i64,
        price: f64,
        fees: f64,
        reason: Reason,
    ) {
        self.trade(ctx, index, Holding::Stock, shares, price, fees, reason);
    }

    /// Trades `shares` of the hedge holding of position `index` (see [`Portfolio::trade_shares`]).
    pub fn trade_hedge(
        &mut self,
        ctx: &FillContext<'_>,
        index: usize,
        shares: i64,
        price: f64,
        fees: f64,
        reason: Reason,
    ) {
        self.trade(ctx, index, Holding::Hedge, shares, price, fees, reason);
    }

    /// Trades `shares` of position `index`'s hedge at the market (the day's underlying with the
    /// slippage model, the commission model's fee), reason `hedge`.
    pub fn hedge_at_market(&mut self, ctx: &FillContext<'_>, index: usize, shares: i64) {
        let price = ctx.models.slippage.share_price(ctx.underlying, shares);
        self.trade_hedge(ctx, index, shares, price, ctx.models.commission.share_fee(shares), Reason::Hedge);
    }

    #[allow(clippy::too_many_arguments)]
    fn trade(
        &mut self,
        ctx: &FillContext<'_>,
        index: usize,
        holding: Holding,
        shares: i64,
        price: f64,
        fees: f64,
        reason: Reason,
    ) {
        if shares == 0 {
            return;
        }
        let p = &mut self.positions[index];
        let (count, average) = match holding {
            Holding::Stock => (&mut p.shares, &mut p.share_price),
            Holding::Hedge => (&mut p.hedge_shares, &mut p.hedge_price),
        };
        let held = *count;
        let mut pnl = 0.0;
        if held != 0 && held.signum() != shares.signum() {
            // Closing part (or all) of the holding, maybe reversing it.
            let closing = shares.abs().min(held.abs());
            pnl = (price - *average) * (closing * held.signum()) as f64;
            let left = held + shares;
            if left.signum() != held.signum() && left != 0 {
                *average = price;
            }
            *count = left;
        } else {
            let total = held + shares;
            *average = (*average * held as f64 + price * shares as f64) / total as f64;
            *count = total;
        }
        if *count == 0 {
            *average = 0.0;
        }
        if holding == Holding::Hedge {
            self.hedge.fills += 1;
            self.hedge.shares_traded += shares.unsigned_abs();
            self.hedge.pnl += pnl;
            self.hedge.fees += fees;
        }
        p.share_mark = if price.is_finite() && ctx.underlying.is_finite() { ctx.underlying } else { p.share_mark };
        p.gross_pnl += pnl;
        p.fees += fees;
        self.cash -= shares as f64 * price + fees;
        let action = if reason == Reason::Entry || (held == 0 || held.signum() == shares.signum()) {
            Action::Open
        } else {
            Action::Close
        };
        let fill = Fill {
            position_id: p.id as i32,
            strategy: p.strategy,
            leg: -1,
            ticker: p.ticker,
            action,
            date: ctx.date,
            expiry: None,
            strike: None,
            instrument: Instrument::Stock,
            quantity: shares as i32,
            price,
            fees,
            reason,
            underlying_price: ctx.underlying,
            pnl,
        };
        self.kept.keep(&mut self.fills, fill);
    }

    /// Closes option leg `leg` of position `index` at `price` per share, paying `fees`; the leg
    /// leaves the position.
    pub fn close_leg(
        &mut self,
        ctx: &FillContext<'_>,
        index: usize,
        leg: usize,
        price: f64,
        fees: f64,
        reason: Reason,
    ) {
        let p = &mut self.positions[index];
        let l = p.legs.remove(leg);
        let n = l.contracts(p.units);
        let pnl = (price - l.open_price) * n * MULTIPLIER;
        self.cash += n * price * MULTIPLIER - fees;
        p.fees += fees;
        p.gross_pnl += pnl;
        self.kept.keep(&mut self.fills, fill(ctx, p, &l, -n, price, fees, Action::Close, reason, pnl));
    }

    /// Ends position `index` once it holds nothing (no legs, no shares).
    pub fn finish(&mut self, date: i32, index: usize) {
        let p = self.positions.remove(index);
        debug_assert!(p.legs.is_empty() && p.all_shares() == 0, "a position ends only once it holds nothing");
        // Only its record reads the reason (a run keeping no records keeps no fills either).
        let reason = self.fills.last().map_or(Reason::Expiry, |f| f.reason);
        self.end(p, date, reason);
    }

    /// Records position `p`, which ended on `date` for `reason`.
    fn end(&mut self, p: Position, date: i32, reason: Reason) {
        let net = p.gross_pnl + p.dividends - p.fees;
        if !p.hedge_book {
            self.closed.push(ClosedTrade { net_pnl: net, days_held: i64::from(date - p.opened) });
            self.realized += net;
            self.closed_strategy.push(p.strategy);
        }
        if self.kept.dropped {
            self.kept.opened.push(p.opened);
            return;
        }
        self.records.push(PositionRecord {
            id: p.id as i32,
            strategy: p.strategy,
            ticker: p.ticker,
            opened: p.opened,
            closed: date,
            legs: p.legs_opened as i32,
            rolls: p.rolls as i32,
            premium: p.premium,
            units: p.units as i32,
            pnl: net,
            fees: p.fees,
            dividends: p.dividends,
            attribution: p.attribution,
            reason,
        });
    }

    /// Closes position `index` at the given per-share prices; `settled[i]` marks cash settlement at
    /// expiry (no commission). Shares it holds (stock and hedge) close at the market from the
    /// underlying price `shares_at`.
    pub fn close(
        &mut self,
        ctx: &FillContext<'_>,
        index: usize,
        prices: &[f64],
        settled: &[bool],
        reason: Reason,
        shares_at: f64,
    ) {
        for holding in [Holding::Stock, Holding::Hedge] {
            let p = &self.positions[index];
            let n = -(if holding == Holding::Stock { p.shares } else { p.hedge_shares });
            if n != 0 {
                let price = ctx.models.slippage.share_price(shares_at, n);
                self.trade(ctx, index, holding, n, price, ctx.models.commission.share_fee(n), reason);
            }
        }
        let mut p = self.positions.remove(index);
        for ((l, &price), &settle) in p.legs.iter().zip(prices).zip(settled) {
            let n = l.contracts(p.units);
            let fees = if settle { 0.0 } else { ctx.models.commission.option_fee(n) };
            let pnl = (price - l.open_price) * n * MULTIPLIER;
            self.cash += n * price * MULTIPLIER - fees;
            p.fees += fees;
            p.gross_pnl += pnl;
            let reason = if settle { Reason::Expiry } else { reason };
            // Closing trades the other way: a long leg is sold (−), a short one bought back (+).
            self.kept.keep(&mut self.fills, fill(ctx, &p, l, -n, price, fees, Action::Close, reason, pnl));
        }
        self.end(p, ctx.date, reason);
    }
}

#[allow(clippy::too_many_arguments)]
fn fill(
    ctx: &FillContext<'_>,
    p: &Position,
    l: &HeldLeg,
    n: f64,
    price: f64,
    fees: f64,
    action: Action,
    reason: Reason,
    pnl: f64,
) -> Fill {
    Fill {
        position_id: p.id as i32,
        strategy: p.strategy,
        leg: l.leg as i32,
        ticker: p.ticker,
        action,
        date: ctx.date,
        expiry: Some(l.expiry),
        strike: Some(l.strike),
        instrument: Instrument::of(l.right),
        quantity: n as i32,
        price,
        fees,
        reason,
        underlying_price: ctx.underlying,
        pnl,
    }
}

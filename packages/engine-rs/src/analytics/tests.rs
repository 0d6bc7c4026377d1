//! Whole-run scenarios through [`compute`], and the JSON shape of [`Metrics`].

use super::test_util::assert_opt_close;
use super::*;

/// Compares two `Metrics` field by field, floats within the shared tolerance.
#[track_caller]
fn assert_metrics(label: &str, got: &Metrics, want: &Metrics) {
    let floats = [
        ("total_return", got.total_return, want.total_return),
        ("cagr", got.cagr, want.cagr),
        ("annual_volatility", got.annual_volatility, want.annual_volatility),
        ("sharpe", got.sharpe, want.sharpe),
        ("sortino", got.sortino, want.sortino),
        ("max_drawdown", got.max_drawdown, want.max_drawdown),
        ("calmar", got.calmar, want.calmar),
        ("win_rate", got.win_rate, want.win_rate),
        ("profit_factor", got.profit_factor, want.profit_factor),
        ("average_win", got.average_win, want.average_win),
        ("average_loss", got.average_loss, want.average_loss),
        ("expectancy", got.expectancy, want.expectancy),
        ("average_days_in_trade", got.average_days_in_trade, want.average_days_in_trade),
        ("time_in_market", got.time_in_market, want.time_in_market),
        ("skew", got.skew, want.skew),
        ("kurtosis", got.kurtosis, want.kurtosis),
        ("var_95", got.var_95, want.var_95),
        ("cvar_95", got.cvar_95, want.cvar_95),
    ];
    for (name, g, w) in floats {
        eprintln!("{label}: {name}");
        assert_opt_close(g, w);
    }
    assert_eq!(got.max_drawdown_days, want.max_drawdown_days, "{label}: max_drawdown_days");
    assert_eq!(got.trade_count, want.trade_count, "{label}: trade_count");
}

fn trade(net_pnl: f64, days_held: i64) -> ClosedTrade {
    ClosedTrade { net_pnl, days_held }
}

/// Owned columns for one scenario, so a table can hold them.
struct Run {
    capital: f64,
    equity: Vec<f64>,
    returns: Vec<f64>,
    drawdown: Vec<f64>,
    in_market: Vec<bool>,
    trades: Vec<ClosedTrade>,
}

impl Run {
    fn input(&self) -> MetricInput<'_> {
        MetricInput {
            capital: self.capital,
            equity: &self.equity,
            returns: &self.returns,
            drawdown: &self.drawdown,
            in_market: &self.in_market,
            trades: &self.trades,
        }
    }
}

/// Metrics with every value undefined: the base the scenarios override.
const UNDEFINED: Metrics = Metrics {
    total_return: None,
    cagr: None,
    annual_volatility: None,
    sharpe: None,
    sortino: None,
    max_drawdown: None,
    max_drawdown_days: None,
    calmar: None,
    win_rate: None,
    profit_factor: None,
    average_win: None,
    average_loss: None,
    expectancy: None,
    trade_count: 0,
    average_days_in_trade: None,
    time_in_market: None,
    skew: None,
    kurtosis: None,
    var_95: None,
    cvar_95: None,
};

/// Equity [100, 110, 99, 121], capital 100, three trades.
fn worked_example() -> (Run, Metrics) {
    let run = Run {
        capital: 100.0,
        equity: vec![100.0, 110.0, 99.0, 121.0],
        // 110/100 − 1, 99/110 − 1, 121/99 − 1 = 2/9
        returns: vec![0.0, 0.1, -0.1, 2.0 / 9.0],
        drawdown: vec![0.0, 0.0, -0.1, 0.0],
        in_market: vec![false, true, true, false],
        trades: vec![trade(50.0, 5), trade(-20.0, 3), trade(30.0, 10)],
    };
    // r = [0.1, −0.1, 2/9] (first day dropped), n = 3, mean = (2/9)/3 = 2/27
    // d = r − 2/27, in units of 1/27: [0.7, −4.7, 4]
    // Σd² = (0.49 + 22.09 + 16)/27² = 38.58/729; s² = 19.29/729; s = √19.29/27 ≈ 0.162668083
    let cagr = 1.21f64.powi(63) - 1.0; // 1.21^(252/4) − 1 ≈ 164238.770664
    let want = Metrics {
        total_return: Some(0.21), // 121/100 − 1
        cagr: Some(cagr),
        annual_volatility: Some(19.29f64.sqrt() / 27.0 * 252f64.sqrt()), // ≈ 2.582275769
        sharpe: Some(2.0 * (252.0f64 / 19.29).sqrt()),                   // (2/27)/(√19.29/27)·√252 ≈ 7.228765761
        sortino: Some(40.0 * 21f64.sqrt() / 9.0), // DD = √(0.01/3): (2/27)·√3/0.1·√252 = 40√21/9 ≈ 20.367003089
        max_drawdown: Some(-0.1),                 // 99/110 − 1
        max_drawdown_days: Some(2),               // peak day 1, regained day 3
        calmar: Some(cagr / 0.1),
        win_rate: Some(2.0 / 3.0), // 50 and 30 of three
        profit_factor: Some(4.0),  // 80/20
        average_win: Some(40.0),   // 80/2
        average_loss: Some(-20.0), // −20/1
        expectancy: Some(20.0),    // 60/3
        trade_count: 3,
        average_days_in_trade: Some(6.0), // (5 + 3 + 10)/3
        time_in_market: Some(0.5),        // 2 of 4 days
        // m2 = 12.86/27², m3 = (0.343 − 103.823 + 64)/3/27³ = −13.16/27³
        // g1 = −13.16/12.86^1.5; G1 = g1·√(3·2)/(3 − 2) ≈ −0.698988550
        skew: Some(-13.16 / 12.86f64.powf(1.5) * 6f64.sqrt()),
        kurtosis: None,      // needs four returns
        var_95: Some(-0.08), // sorted [−0.1, 0.1, 2/9], h = 0.1: −0.1 + 0.1·0.2
        cvar_95: Some(-0.1), // only −0.1 ≤ −0.08
    };
    (run, want)
}

#[test]
fn worked_example_every_metric() {
    let (run, want) = worked_example();
    assert_metrics("worked example", &compute(&run.input()), &want);
}

#[test]
fn worked_example_with_derived_columns() {
    // The engine derives returns and drawdown from equity; floating-point
    // rounding there must stay inside the tolerance.
    let (mut run, want) = worked_example();
    run.returns = std::iter::once(0.0).chain(run.equity.windows(2).map(|w| w[1] / w[0] - 1.0)).collect();
    run.drawdown = drawdown_series(&run.equity);
    assert_metrics("derived columns", &compute(&run.input()), &want);
}

#[test]
fn scenarios() {
    // Unrecovered drawdown with all-winning trades.
    // r = [0.2, −0.25, 1/9, 0.1], n = 4; in units of 1/36: r = [7.2, −9, 4, 3.6],
    // mean = 1.45/36, d = [5.75, −10.45, 2.55, 2.15]
    // Σd² = 33.0625 + 109.2025 + 6.5025 + 4.6225 = 153.39 → s² = 51.13/36², s = √51.13/36
    // Σd³ = 190.109375 − 1141.166125 + 16.581375 + 9.938375 = −924.537
    // Σd⁴ = 1093.12890625 + 11925.18600625 + 42.28250625 + 21.36750625 = 13081.964925
    // m2 = 38.3475/36², m3 = −231.13425/36³, m4 = 3270.49123125/36⁴
    let g1 = -231.13425 / 38.3475f64.powf(1.5);
    let g2 = 3270.49123125 / (38.3475f64 * 38.3475) - 3.0;
    let cagr = 1.1f64.powf(252.0 / 5.0) - 1.0; // 1.1^50.4 − 1 ≈ 120.952675
    let unrecovered = (
        "unrecovered drawdown, all winners",
        Run {
            capital: 100.0,
            equity: vec![100.0, 120.0, 90.0, 100.0, 110.0],
            returns: vec![0.0, 0.2, -0.25, 1.0 / 9.0, 0.1],
            // 90/120 − 1, 100/120 − 1, 110/120 − 1
            drawdown: vec![0.0, 0.0, -0.25, -1.0 / 6.0, -1.0 / 12.0],
            in_market: vec![true; 5],
            trades: vec![trade(10.0, 2), trade(20.0, 4), trade(30.0, 9)],
        },
        Metrics {
            total_return: Some(0.1), // 110/100 − 1
            cagr: Some(cagr),
            annual_volatility: Some(51.13f64.sqrt() / 36.0 * 252f64.sqrt()), // ≈ 3.153084909
            sharpe: Some(1.45 / 51.13f64.sqrt() * 252f64.sqrt()),            // ≈ 3.219069671
            // DD = √(0.25²/4) = 0.125: (1.45/36)/0.125·√252 = (29/90)·√252 ≈ 5.115119201
            sortino: Some(29.0 / 90.0 * 252f64.sqrt()),
            max_drawdown: Some(-0.25),
            max_drawdown_days: Some(3), // peak day 1, still below on day 4
            calmar: Some(cagr / 0.25),
            win_rate: Some(1.0),
            profit_factor: None,     // no losing trade
            average_win: Some(20.0), // 60/3
            average_loss: None,
            expectancy: Some(20.0),
            trade_count: 3,
            average_days_in_trade: Some(5.0), // 15/3
            time_in_market: Some(1.0),
            skew: Some(g1 * 3f64.sqrt()), // G1 = g1·√(4·3)/2 ≈ −1.685851622
            kurtosis: Some(((5.0 * g2) + 6.0) * 3.0 / 2.0), // G2 = (5·g2 + 6)·3/(2·1) ≈ 3.180157236
            var_95: Some(-0.1975),        // sorted [−0.25, 0.1, 1/9, 0.2], h = 0.15: −0.25 + 0.15·0.35
            cvar_95: Some(-0.25),
        },
    );
    let flat = (
        "flat",
        Run {
            capital: 100.0,
            equity: vec![100.0; 5],
            returns: vec![0.0; 5],
            drawdown: vec![0.0; 5],
            in_market: vec![false; 5],
            trades: vec![],
        },
        Metrics {
            total_return: Some(0.0),
            cagr: Some(0.0),              // 1^(252/5) − 1
            annual_volatility: Some(0.0), // constant returns
            sharpe: Some(0.0),            // sd 0 → 0 (spec)
            sortino: None,                // no losing day: DD 0
            max_drawdown: Some(0.0),
            max_drawdown_days: Some(0),
            calmar: Some(0.0), // no drawdown → 0 (spec)
            time_in_market: Some(0.0),
            var_95: Some(0.0),
            cvar_95: Some(0.0),
            ..UNDEFINED // no trades; skew and kurtosis 0/0
        },
    );
    let single_day = (
        "single day",
        Run {
            capital: 100.0,
            equity: vec![100.0],
            returns: vec![0.0],
            drawdown: vec![0.0],
            in_market: vec![true],
            trades: vec![],
        },
        Metrics {
            total_return: Some(0.0),
            cagr: Some(0.0), // 1^252 − 1
            max_drawdown: Some(0.0),
            max_drawdown_days: Some(0),
            calmar: Some(0.0),
            time_in_market: Some(1.0),
            ..UNDEFINED // no returns after the first day
        },
    );
    let empty = (
        "empty",
        Run { capital: 100.0, equity: vec![], returns: vec![], drawdown: vec![], in_market: vec![], trades: vec![] },
        UNDEFINED,
    );
    for (label, run, want) in [unrecovered, flat, single_day, empty] {
        assert_metrics(label, &compute(&run.input()), &want);
    }
}

#[test]
fn deterministic_to_the_bit() {
    let (run, _) = worked_example();
    let a = compute(&run.input());
    let b = compute(&run.input());
    let bits = |m: &Metrics| {
        [m.total_return, m.cagr, m.sharpe, m.sortino, m.skew, m.var_95, m.cvar_95].map(|x| x.map(f64::to_bits))
    };
    assert_eq!(bits(&a), bits(&b));
    assert_eq!(a, b);
}

/// Minimal serde serializer recording each field's key and value kind, so the
/// JSON shape is checked without a JSON dependency.
mod shape {
    use serde::ser::{self, Impossible, Serialize, SerializeStruct, Serializer};
    use std::fmt;

    #[derive(Debug, PartialEq)]
    pub enum Value {
        Null,
        Float,
        Unsigned,
    }

    #[derive(Debug)]
    pub struct Unsupported;
    impl fmt::Display for Unsupported {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("unsupported")
        }
    }
    impl std::error::Error for Unsupported {}
    impl ser::Error for Unsupported {
        fn custom<T: fmt::Display>(_: T) -> Self {
            Unsupported
        }
    }

    macro_rules! reject {
        ($($method:ident($($ty:ty),*)),* $(,)?) => {$(
            fn $method(self, $(_: $ty),*) -> Result<Self::Ok, Unsupported> { Err(Unsupported) }
        )*};
    }

    macro_rules! unsupported_compounds {
        () => {
            type SerializeSeq = Impossible<Self::Ok, Unsupported>;
            type SerializeTuple = Impossible<Self::Ok, Unsupported>;
            type SerializeTupleStruct = Impossible<Self::Ok, Unsupported>;
            type SerializeTupleVariant = Impossible<Self::Ok, Unsupported>;
            type SerializeMap = Impossible<Self::Ok, Unsupported>;
            type SerializeStructVariant = Impossible<Self::Ok, Unsupported>;
            reject!(
                serialize_bool(bool),
                serialize_i8(i8),
                serialize_i16(i16),
                serialize_i32(i32),
                serialize_u8(u8),
                serialize_u16(u16),
                serialize_u32(u32),
                serialize_f32(f32),
                serialize_char(char),
                serialize_str(&str),
                serialize_bytes(&[u8]),
                serialize_unit(),
                serialize_unit_struct(&'static str),
                serialize_unit_variant(&'static str, u32, &'static str),
            );
            fn serialize_newtype_struct<T: ?Sized + Serialize>(
                self,
                _: &'static str,
                _: &T,
            ) -> Result<Self::Ok, Unsupported> {
                Err(Unsupported)
            }
            fn serialize_newtype_variant<T: ?Sized + Serialize>(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: &T,
            ) -> Result<Self::Ok, Unsupported> {
                Err(Unsupported)
            }
            fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
                Err(Unsupported)
            }
            fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
                Err(Unsupported)
            }
            fn serialize_tuple_struct(
                self,
                _: &'static str,
                _: usize,
            ) -> Result<Self::SerializeTupleStruct, Unsupported> {
                Err(Unsupported)
            }
            fn serialize_tuple_variant(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: usize,
            ) -> Result<Self::SerializeTupleVariant, Unsupported> {
                Err(Unsupported)
            }
            fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
                Err(Unsupported)
            }
            fn serialize_struct_variant(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: usize,
            ) -> Result<Self::SerializeStructVariant, Unsupported> {
                Err(Unsupported)
            }
        };
    }

    /// Serializes one field value into its [`Value`] kind.
    struct FieldValue;
    impl Serializer for FieldValue {
        type Ok = Value;
        type Error = Unsupported;
        type SerializeStruct = Impossible<Value, Unsupported>;
        unsupported_compounds!();
        reject!(serialize_i64(i64));
        fn serialize_u64(self, _: u64) -> Result<Value, Unsupported> {
            Ok(Value::Unsigned)
        }
        fn serialize_f64(self, _: f64) -> Result<Value, Unsupported> {
            Ok(Value::Float)
        }
        fn serialize_none(self) -> Result<Value, Unsupported> {
            Ok(Value::Null)
        }
        fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<Value, Unsupported> {
            v.serialize(FieldValue)
        }
        fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Unsupported> {
            Err(Unsupported)
        }
    }

    /// Serializes a struct into its ordered (key, kind) list.
    pub struct Fields;
    pub struct Recorder(Vec<(&'static str, Value)>);
    impl SerializeStruct for Recorder {
        type Ok = Vec<(&'static str, Value)>;
        type Error = Unsupported;
        fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, v: &T) -> Result<(), Unsupported> {
            self.0.push((key, v.serialize(FieldValue)?));
            Ok(())
        }
        fn end(self) -> Result<Self::Ok, Unsupported> {
            Ok(self.0)
        }
    }
    impl Serializer for Fields {
        type Ok = Vec<(&'static str, Value)>;
        type Error = Unsupported;
        type SerializeStruct = Recorder;
        unsupported_compounds!();
        reject!(serialize_i64(i64), serialize_u64(u64), serialize_f64(f64), serialize_none());
        fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<Self::Ok, Unsupported> {
            Err(Unsupported)
        }
        fn serialize_struct(self, _: &'static str, len: usize) -> Result<Recorder, Unsupported> {
            Ok(Recorder(Vec::with_capacity(len)))
        }
    }
}

#[test]
fn serializes_in_summary_order_with_nulls() {
    use serde::Serialize;
    use shape::{Fields, Value};

    // The documented key order, spelled via each metric's NAME.
    let order = [
        TotalReturn::NAME,
        Cagr::NAME,
        AnnualVolatility::NAME,
        Sharpe::NAME,
        Sortino::NAME,
        MaxDrawdown::NAME,
        MaxDrawdownDays::NAME,
        Calmar::NAME,
        WinRate::NAME,
        ProfitFactor::NAME,
        AverageWin::NAME,
        AverageLoss::NAME,
        Expectancy::NAME,
        TradeCount::NAME,
        AverageDaysInTrade::NAME,
        TimeInMarket::NAME,
        Skew::NAME,
        Kurtosis::NAME,
        Var95::NAME,
        Cvar95::NAME,
    ];
    assert_eq!(
        order,
        [
            "total_return",
            "cagr",
            "annual_volatility",
            "sharpe",
            "sortino",
            "max_drawdown",
            "max_drawdown_days",
            "calmar",
            "win_rate",
            "profit_factor",
            "average_win",
            "average_loss",
            "expectancy",
            "trade_count",
            "average_days_in_trade",
            "time_in_market",
            "skew",
            "kurtosis",
            "var_95",
            "cvar_95",
        ]
    );

    let (run, _) = worked_example();
    let fields = compute(&run.input()).serialize(Fields).expect("plain struct");
    let keys: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, order);
    let kind = |name: &str| &fields.iter().find(|(k, _)| *k == name).expect("present").1;
    assert_eq!(*kind("kurtosis"), Value::Null); // None → null
    assert_eq!(*kind("sharpe"), Value::Float);
    assert_eq!(*kind("trade_count"), Value::Unsigned);
    assert_eq!(*kind("max_drawdown_days"), Value::Unsigned);
}

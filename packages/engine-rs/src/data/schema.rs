//! The ORATS strikes layout as Arrow (docs/data-format.md). The TypeScript writers use the same
//! list (packages/data-tools/src/schema.ts); keep the two in step.

use arrow_schema::{DataType, Schema};

/// Float64 columns after the key columns, in file order.
pub const FLOAT_COLUMNS: [&str; 24] = [
    "strike", "stkPx", "spotPx", "yte", "cBidPx", "cAskPx", "cValue", "pBidPx", "pAskPx", "pValue", "cBidIv", "cMidIv",
    "cAskIv", "pBidIv", "pMidIv", "pAskIv", "smvVol", "iRate", "divRate", "delta", "gamma", "theta", "vega", "rho",
];

/// Int32 columns: volumes and open interest.
pub const INT_COLUMNS: [&str; 4] = ["cVolu", "cOi", "pVolu", "pOi"];

/// Date32 columns.
pub const DATE_COLUMNS: [&str; 2] = ["tradeDate", "expirDate"];

/// Checks a partition's schema: every ORATS column present with its type. Extra columns are
/// allowed (and ignored) so producers may carry more of ORATS' fields.
pub fn check(schema: &Schema) -> Result<(), String> {
    let mut problems = Vec::new();
    let mut expect = |name: &str, ok: fn(&DataType) -> bool, want: &str| match schema.field_with_name(name) {
        Err(_) => problems.push(format!("column \"{name}\" is missing")),
        Ok(f) if !ok(f.data_type()) => {
            problems.push(format!("column \"{name}\" is {}, expected {want}", f.data_type()))
        }
        Ok(_) => {}
    };
    expect(
        "ticker",
        |t| match t {
            DataType::Dictionary(k, v) => k.is_integer() && matches!(**v, DataType::Utf8 | DataType::LargeUtf8),
            _ => false,
        },
        "Dictionary<integer, Utf8>",
    );
    for name in DATE_COLUMNS {
        expect(name, |t| *t == DataType::Date32, "Date32");
    }
    for name in FLOAT_COLUMNS {
        expect(name, |t| *t == DataType::Float64, "Float64");
    }
    for name in INT_COLUMNS {
        expect(name, |t| *t == DataType::Int32, "Int32");
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}

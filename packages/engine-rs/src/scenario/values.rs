//! Constrained scalar types of the scenario. Each checks its range while it is deserialized, so an
//! out-of-range value is reported with its field path and its line and column like any other error.

use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::dates::{iso, parse_iso};

/// Defines an `f64` newtype whose deserializer enforces `$check`, naming the range in the error.
macro_rules! bounded_f64 {
    ($(#[$doc:meta])* $name:ident, $range:literal, $check:expr, $min:expr, $max:expr, $exclusive:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
        pub struct $name(pub f64);

        impl $name {
            pub const RANGE: &'static str = $range;
            pub fn check(v: f64) -> Result<$name, String> {
                let ok: fn(f64) -> bool = $check;
                if v.is_finite() && ok(v) {
                    Ok($name(v))
                } else {
                    Err(format!("expected a number in {}, got {}", $range, v))
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                // Checking inside the visitor lets the deserializer pin the error on the value itself.
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "a number in {}", $range)
                    }
                    fn visit_f64<E: de::Error>(self, v: f64) -> Result<$name, E> {
                        $name::check(v).map_err(E::custom)
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$name, E> {
                        self.visit_f64(v as f64)
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$name, E> {
                        self.visit_f64(v as f64)
                    }
                }
                d.deserialize_f64(V)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_f64(self.0)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let (min, max, exclusive): (Option<f64>, Option<f64>, (bool, bool)) = ($min, $max, $exclusive);
                let mut s = schemars::json_schema!({ "type": "number", "description": concat!("a number in ", $range) });
                if let Some(m) = min {
                    s.insert((if exclusive.0 { "exclusiveMinimum" } else { "minimum" }).into(), m.into());
                }
                if let Some(m) = max {
                    s.insert((if exclusive.1 { "exclusiveMaximum" } else { "maximum" }).into(), m.into());
                }
                s
            }
        }
    };
}

bounded_f64!(
    /// An absolute delta: strictly between 0 and 1.
    UnitOpen, "(0, 1)", |v| v > 0.0 && v < 1.0, Some(0.0), Some(1.0), (true, true)
);
bounded_f64!(
    /// A fraction from 0 to 1 inclusive.
    UnitClosed, "[0, 1]", |v| (0.0..=1.0).contains(&v), Some(0.0), Some(1.0), (false, false)
);
bounded_f64!(
    /// A strictly positive number.
    Positive, "(0, ∞)", |v| v > 0.0, Some(0.0), None, (true, false)
);
bounded_f64!(
    /// Zero or more.
    NonNegative, "[0, ∞)", |v| v >= 0.0, Some(0.0), None, (false, false)
);
bounded_f64!(
    /// Moneyness as a fraction of the underlying, -1 to 1 (0.05 = 5% out of the money).
    Moneyness, "[-1, 1]", |v| (-1.0..=1.0).contains(&v), Some(-1.0), Some(1.0), (false, false)
);
bounded_f64!(
    /// Any finite number (a strike offset in points may be negative).
    Finite, "(-∞, ∞)", |_| true, None, None, (false, false)
);

/// A calendar date written `YYYY-MM-DD`, held as Date32 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct IsoDate(pub i32);

impl<'de> Deserialize<'de> for IsoDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IsoDate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date as YYYY-MM-DD")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<IsoDate, E> {
                let strict = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
                strict
                    .then(|| parse_iso(text))
                    .flatten()
                    .map(IsoDate)
                    .ok_or_else(|| E::custom(format!("expected a date as YYYY-MM-DD, got \"{text}\"")))
            }
        }
        d.deserialize_str(V)
    }
}

impl Serialize for IsoDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&iso(self.0))
    }
}

impl fmt::Display for IsoDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&iso(self.0))
    }
}

impl JsonSchema for IsoDate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IsoDate".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "date", "pattern": "^\\d{4}-\\d{2}-\\d{2}$" })
    }
}

/// A ticker: letters, digits, `.`, `_`, `-` (it names a dataset directory).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Ticker(pub String);

impl JsonSchema for Ticker {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Ticker".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$" })
    }
}

impl<'de> Deserialize<'de> for Ticker {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ticker;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a ticker")
            }
            fn visit_str<E: de::Error>(self, t: &str) -> Result<Ticker, E> {
                let mut chars = t.chars();
                let ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
                    && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
                if ok {
                    Ok(Ticker(t.to_string()))
                } else {
                    Err(E::custom(format!("\"{t}\" is not a ticker (letters, digits, . _ -)")))
                }
            }
        }
        // Through the value's kind: a YAML number or boolean is not silently a ticker.
        d.deserialize_any(V)
    }
}

/// A count of at least one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
pub struct AtLeastOne(#[schemars(range(min = 1))] pub u32);

impl<'de> Deserialize<'de> for AtLeastOne {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AtLeastOne;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer ≥ 1")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<AtLeastOne, E> {
                match u32::try_from(v) {
                    Ok(n) if n >= 1 => Ok(AtLeastOne(n)),
                    _ => Err(E::custom(format!("expected an integer from 1 to {}, got {v}", u32::MAX))),
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<AtLeastOne, E> {
                match u64::try_from(v) {
                    Ok(u) => self.visit_u64(u),
                    Err(_) => Err(E::custom(format!("expected an integer ≥ 1, got {v}"))),
                }
            }
        }
        d.deserialize_u64(V)
    }
}

/// Reads a field that must be written as text, through the value's own kind: YAML's `null`, `~`,
/// an empty value, a bare number or boolean are refused instead of becoming the strings "null",
/// "", "123" or "true" (JSON refuses them too, so both syntaxes agree).
struct TextVisitor(&'static str);

impl<'de> Visitor<'de> for TextVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        if v.trim().is_empty() {
            return Err(E::custom(format!("expected {}, got an empty string", self.0)));
        }
        Ok(v.to_string())
    }
    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Err(E::custom(format!(
            "expected {}, got nothing (null); write the text, quoted if it is the word null",
            self.0
        )))
    }
    fn visit_none<E: de::Error>(self) -> Result<String, E> {
        self.visit_unit()
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Err(E::custom(format!("expected {}, got the boolean {v}; quote it to mean the text", self.0)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Err(E::custom(format!("expected {}, got the number {v}; quote it to mean the text", self.0)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Err(E::custom(format!("expected {}, got the number {v}; quote it to mean the text", self.0)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Err(E::custom(format!("expected {}, got the number {v}; quote it to mean the text", self.0)))
    }
}

/// A non-empty text field (see [`TextVisitor`]).
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(TextVisitor("text"))
}

/// An optional text field: absent is `None`; present, it must be text.
pub fn optional_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    text(d).map(Some)
}

/// A scenario's name: text that can name a results directory (`results/<name>`), so no path
/// separators, control characters or leading dot, at most 128 characters.
pub fn scenario_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let name = d.deserialize_any(TextVisitor("a scenario name"))?;
    let bad = name.starts_with('.')
        || name.chars().any(|c| c == '/' || c == '\\' || c.is_control())
        || name.chars().count() > 128;
    if bad {
        return Err(de::Error::custom(format!(
            "\"{}\" cannot name a results directory: no '/', '\\\\', control characters or leading '.', at most 128 characters",
            name.escape_debug()
        )));
    }
    Ok(name)
}

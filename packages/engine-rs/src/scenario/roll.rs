//! Rolls (docs/scenario.md, "strategy.roll"): rules that close option legs of an open position and
//! reopen them further out, before the day's entries.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::{AtLeastOne, UnitOpen};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, try_from = "RawRoll")]
pub struct Roll {
    /// What makes a watched leg roll; any one of them.
    pub when: RollWhen,
    /// Which legs are watched: `short` (default) or `all`.
    pub legs: WatchedLegs,
    /// Roll only the legs that triggered (`leg`), or every option leg of the position (`position`, default).
    pub scope: RollScope,
    /// How a rolled leg is reopened: by its own selection rules (`reselect`, default), or at the
    /// same strike in the next listed expiry (`next_expiry`).
    pub to: RollTo,
    /// Most rolls of one position (default 1).
    pub max_rolls: AtLeastOne,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RollWhen {
    /// A watched leg's DTE is at or below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dte: Option<u32>,
    /// A watched leg's |delta| is at or above this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<UnitOpen>,
    /// The underlying is at or through a watched short leg's strike (a put's from above, a call's
    /// from below).
    #[serde(default)]
    pub touch: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WatchedLegs {
    #[default]
    Short,
    All,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RollScope {
    Leg,
    #[default]
    Position,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RollTo {
    #[default]
    Reselect,
    NextExpiry,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawRoll {
    when: RollWhen,
    #[serde(default)]
    legs: WatchedLegs,
    #[serde(default)]
    scope: RollScope,
    #[serde(default)]
    to: RollTo,
    #[serde(default = "once")]
    max_rolls: AtLeastOne,
}

fn once() -> AtLeastOne {
    AtLeastOne(1)
}

impl TryFrom<RawRoll> for Roll {
    type Error = String;
    fn try_from(r: RawRoll) -> Result<Self, String> {
        let w = r.when;
        if w.dte.is_none() && w.delta.is_none() && !w.touch {
            return Err("when: give `dte`, `delta` or `touch: true`; a roll with no trigger can never fire".into());
        }
        if w.dte == Some(0) {
            return Err(
                "when: dte: 0 can never fire: a leg settles on its expiry day before rolls are checked; use 1 or more"
                    .into(),
            );
        }
        Ok(Roll { when: w, legs: r.legs, scope: r.scope, to: r.to, max_rolls: r.max_rolls })
    }
}

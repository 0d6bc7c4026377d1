//! Engine errors → JavaScript errors carrying a `code` (and, for scenarios, the field `path`,
//! `line` and `column`), with the whole cause chain in the message.

use napi::bindgen_prelude::JsObjectValue;
use napi::{Env, JsValue, Status};

/// An expected failure computed off the JS thread, turned into a JS error on it.
#[derive(Debug)]
pub struct Failure {
    pub code: &'static str,
    pub message: String,
    /// Where in a scenario: (path, line, column).
    pub at: Option<(String, Option<u32>, Option<u32>)>,
}

impl From<aegis_bt::DataError> for Failure {
    fn from(e: aegis_bt::DataError) -> Self {
        Failure { code: e.code(), message: aegis_bt::error::describe(&e), at: None }
    }
}

impl From<aegis_bt::scenario::ScenarioError> for Failure {
    fn from(e: aegis_bt::scenario::ScenarioError) -> Self {
        let at = Some((e.path.clone(), e.line.map(|l| l as u32), e.column.map(|c| c as u32)));
        Failure { code: e.code(), message: e.to_string(), at }
    }
}

impl From<aegis_bt::job::JobError> for Failure {
    fn from(e: aegis_bt::job::JobError) -> Self {
        match e {
            aegis_bt::job::JobError::Scenario(s) => s.into(),
            other => Failure { code: other.code(), message: aegis_bt::error::describe(&other), at: None },
        }
    }
}

/// Builds `new Error(message)` with `code` (and `path`, `line`, `column`) and returns it as a
/// rejection.
pub fn to_js(env: &Env, failure: &Failure) -> napi::Error {
    let attempt = || -> napi::Result<napi::Error> {
        let mut obj = env.create_error(napi::Error::new(Status::GenericFailure, failure.message.clone()))?;
        obj.set_named_property("code", failure.code)?;
        if let Some((path, line, column)) = &failure.at {
            obj.set_named_property("path", path.as_str())?;
            obj.set_named_property("line", *line)?;
            obj.set_named_property("column", *column)?;
        }
        Ok(napi::Error::from(obj.to_unknown()))
    };
    attempt()
        .unwrap_or_else(|_| napi::Error::new(Status::GenericFailure, format!("{}: {}", failure.code, failure.message)))
}

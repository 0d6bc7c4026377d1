//! Engine errors → JavaScript errors carrying a `code`, with the whole cause chain in the message.

use napi::bindgen_prelude::JsObjectValue;
use napi::{Env, JsValue, Status};

/// An expected failure computed off the JS thread, turned into a JS error on it.
#[derive(Debug)]
pub struct Failure {
    pub code: &'static str,
    pub message: String,
}

impl From<aegis_bt::DataError> for Failure {
    fn from(e: aegis_bt::DataError) -> Self {
        Failure { code: e.code(), message: aegis_bt::error::describe(&e) }
    }
}

/// Builds `new Error(message)` with `error.code = code` and returns it as a rejection.
pub fn to_js(env: &Env, failure: &Failure) -> napi::Error {
    let attempt = || -> napi::Result<napi::Error> {
        let mut obj = env.create_error(napi::Error::new(Status::GenericFailure, failure.message.clone()))?;
        obj.set_named_property("code", failure.code)?;
        Ok(napi::Error::from(obj.to_unknown()))
    };
    attempt()
        .unwrap_or_else(|_| napi::Error::new(Status::GenericFailure, format!("{}: {}", failure.code, failure.message)))
}

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

impl Failure {
    /// An argument the engine cannot use (`ERR_INVALID_ARG`).
    pub fn invalid(message: impl Into<String>) -> Failure {
        Failure { code: "ERR_INVALID_ARG", message: message.into(), at: None }
    }

    /// A panic caught at the boundary (`ERR_INTERNAL`): a bug, never an expected failure.
    fn internal(what: &str) -> Failure {
        Failure {
            code: "ERR_INTERNAL",
            message: format!(
                "internal error in the aegis-bt engine: {what} (a bug: please report it with the input that caused it)"
            ),
            at: None,
        }
    }
}

/// Runs `work`, turning a panic into an `ERR_INTERNAL` failure: no panic crosses into Node,
/// whatever the input.
pub fn guard<T>(work: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("a panic without a message");
        Err(Failure::internal(what))
    })
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

/// A task that panics inside a worker thread: the test of the boundary (`__panicForTests` rejects
/// with `ERR_INTERNAL` and the process lives on). Not part of the public surface.
pub struct PanicTask;

impl napi::Task for PanicTask {
    type Output = Result<(), Failure>;
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(guard(|| {
            let worker = std::thread::spawn(|| panic!("deliberate panic for the boundary test"));
            match worker.join() {
                Ok(()) => Ok(()),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<()> {
        output.map_err(|f| to_js(&env, &f))
    }
}

#[napi_derive::napi(js_name = "__panicForTests", ts_return_type = "Promise<void>")]
pub fn panic_for_tests() -> napi::bindgen_prelude::AsyncTask<PanicTask> {
    napi::bindgen_prelude::AsyncTask::new(PanicTask)
}

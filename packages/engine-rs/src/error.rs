//! Typed errors of the data layer. Every variant names the file it is about, so a user can act on
//! the message without a stack trace.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: invalid manifest: {message}")]
    Manifest { path: PathBuf, message: String },
    #[error("{path}: not a readable Arrow IPC file: {message}")]
    Arrow { path: PathBuf, message: String },
    #[error("{path}: schema does not match the ORATS layout: {message}")]
    Schema { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Layout { path: PathBuf, message: String },
    #[error("dataset {dataset}: {message}")]
    Selection { dataset: String, message: String },
}

impl DataError {
    /// A stable machine-readable code (the Node wrapper maps it to a typed error).
    pub fn code(&self) -> &'static str {
        match self {
            DataError::Io { .. } => "ERR_DATA_IO",
            DataError::Manifest { .. } => "ERR_DATA_MANIFEST",
            DataError::Arrow { .. } => "ERR_DATA_ARROW",
            DataError::Schema { .. } => "ERR_DATA_SCHEMA",
            DataError::Layout { .. } => "ERR_DATA_LAYOUT",
            DataError::Selection { .. } => "ERR_DATA_SELECTION",
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DataError::Io { path: path.into(), source }
    }
}

pub type DataResult<T> = Result<T, DataError>;

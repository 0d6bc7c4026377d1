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
    /// A partition that is not what its manifest entry says (replaced, rewritten or damaged).
    #[error(
        "{path}: does not match the dataset's manifest: {message} (the file was replaced or damaged; `aegis-bt dataset verify` lists every difference)"
    )]
    Mismatch { path: PathBuf, message: String },
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
            DataError::Mismatch { .. } => "ERR_DATA_MISMATCH",
            DataError::Selection { .. } => "ERR_DATA_SELECTION",
        }
    }

    /// The message without the leading file path (for reports that already name the file).
    pub fn reason(&self) -> String {
        let text = self.to_string();
        let path = match self {
            DataError::Io { path, .. }
            | DataError::Manifest { path, .. }
            | DataError::Arrow { path, .. }
            | DataError::Schema { path, .. }
            | DataError::Layout { path, .. }
            | DataError::Mismatch { path, .. } => path.display().to_string(),
            DataError::Selection { .. } => return text,
        };
        text.strip_prefix(&format!("{path}: ")).map(str::to_string).unwrap_or(text)
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DataError::Io { path: path.into(), source }
    }
}

pub type DataResult<T> = Result<T, DataError>;

/// An error's message followed by each cause in its `source()` chain that the message does not
/// already contain: "Caused by: …" lines, for people, never a stack trace.
pub fn describe(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str("\nCaused by: ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

//! Typed failures of the overfitting analysis: bad input is reported with
//! enough context (line, column, value) to fix it, never panicked on.

use thiserror::Error;

/// Everything that can make an overfitting analysis refuse its input.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CscvError {
    #[error("the CSV input is empty: expected a header row naming the strategy columns")]
    EmptyInput,

    #[error("line {line}: header field {position} is an empty column name")]
    EmptyColumnName { line: usize, position: usize },

    #[error("line {line}: column name `{name}` appears more than once")]
    DuplicateColumn { line: usize, name: String },

    #[error("line {line} has {found} values, the header names {expected} columns")]
    RaggedRow { line: usize, found: usize, expected: usize },

    #[error("line {line}, column `{column}`: \"{text}\" is not a number")]
    NotANumber { line: usize, column: String, text: String },

    #[error("line {line}, column `{column}`: \"{text}\" is not finite (NaN and infinities are refused)")]
    NonFiniteCell { line: usize, column: String, text: String },

    #[error("need at least 2 strategy columns to select among, found {found}")]
    TooFewColumns { found: usize },

    #[error("column {position} has an empty name")]
    UnnamedColumn { position: usize },

    #[error("column name `{name}` appears more than once")]
    DuplicateName { name: String },

    #[error("the matrix has no rows: every column needs at least one value")]
    NoRows,

    #[error("matrix data has {found} values, expected {expected} ({columns} columns × {rows} rows)")]
    ShapeMismatch { found: usize, expected: usize, columns: usize, rows: usize },

    #[error("column `{column}`, row {row}: {value} is not finite (NaN and infinities are refused)")]
    NonFiniteValue { column: String, row: usize, value: f64 },

    #[error("the number of partitions S must be even, got {0}")]
    OddPartitions(usize),

    #[error("the number of partitions S must be at least 2, got {0}")]
    TooFewPartitions(usize),

    #[error("S = {partitions} partitions need at least {partitions} rows, the matrix has {rows}")]
    PartitionsExceedRows { partitions: usize, rows: usize },

    #[error("S = {partitions} gives more than {limit} combinations C(S, S/2); lower S or raise the limit")]
    TooManyCombinations { partitions: usize, limit: usize },

    /// A benchmark matrix (T × N values) too large to allocate.
    #[error("a {values}-value matrix (T × N) is too large to hold in memory")]
    TooLarge { values: usize },

    #[error("unknown metric `{0}`: expected `sharpe`, `mean` or `total_return`")]
    UnknownMetric(String),

    /// `scope` says where: "combination 17" or "the full sample".
    #[error("{scope}: the {statistic} of column `{column}` is not finite (values too large to combine)")]
    NonFiniteMetric { scope: String, column: String, statistic: &'static str },
}

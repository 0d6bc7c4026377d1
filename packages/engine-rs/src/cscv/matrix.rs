//! The T×N performance matrix (T rows = time, N columns = strategy
//! configurations) and its CSV reader.
//!
//! Storage is column-major: `data[c * rows + t]` is period `t` of column `c`.
//! Every statistic here walks one strategy through time, so column-major keeps
//! that walk contiguous in memory.

use serde::{Deserialize, Serialize};

use super::error::CscvError;

/// Per-period performance (e.g. daily returns) of N strategy configurations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    /// Column (strategy configuration) names, in input order.
    pub columns: Vec<String>,
    /// Number of periods T.
    pub rows: usize,
    /// Column-major values: `data[c * rows + t]`.
    pub data: Vec<f64>,
}

impl Matrix {
    /// Builds a matrix from named columns of equal length, validated.
    pub fn from_columns(columns: Vec<(String, Vec<f64>)>) -> Result<Self, CscvError> {
        let rows = columns.first().map_or(0, |(_, values)| values.len());
        let mut names = Vec::with_capacity(columns.len());
        let mut data = Vec::with_capacity(columns.len() * rows);
        for (name, values) in columns {
            names.push(name);
            data.extend(values);
        }
        let matrix = Matrix { columns: names, rows, data };
        matrix.validate()?;
        Ok(matrix)
    }

    /// Checks what the analysis relies on: at least two named, distinct
    /// columns, at least one row, a data length matching the shape, and only
    /// finite values.
    pub fn validate(&self) -> Result<(), CscvError> {
        let n = self.columns.len();
        if n < 2 {
            return Err(CscvError::TooFewColumns { found: n });
        }
        for (position, name) in self.columns.iter().enumerate() {
            if name.trim().is_empty() {
                return Err(CscvError::UnnamedColumn { position: position + 1 });
            }
        }
        // Sorted copy rather than a hash set: the first duplicate reported is
        // then the same on every run.
        let mut sorted: Vec<&String> = self.columns.iter().collect();
        sorted.sort();
        if let Some(pair) = sorted.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(CscvError::DuplicateName { name: pair[0].clone() });
        }
        if self.rows == 0 {
            return Err(CscvError::NoRows);
        }
        let expected = n.saturating_mul(self.rows);
        if self.data.len() != expected {
            return Err(CscvError::ShapeMismatch { found: self.data.len(), expected, columns: n, rows: self.rows });
        }
        for (c, column) in self.data.chunks_exact(self.rows).enumerate() {
            if let Some(row) = column.iter().position(|v| !v.is_finite()) {
                return Err(CscvError::NonFiniteValue { column: self.columns[c].clone(), row, value: column[row] });
            }
        }
        Ok(())
    }

    /// Reads CSV text: a header row naming the N columns, then T rows of
    /// numbers, comma separated, each field whitespace-trimmed.
    ///
    /// Blank lines are skipped (a trailing newline is not a row); line numbers
    /// in errors count every physical line from 1. Quoting is not supported:
    /// names and numbers must not contain commas. NaN and infinities are
    /// refused because one of them would poison every combination's ranking.
    pub fn from_csv(text: &str) -> Result<Self, CscvError> {
        let mut lines =
            text.lines().enumerate().map(|(i, line)| (i + 1, line.trim())).filter(|(_, line)| !line.is_empty());

        let (header_line, header) = lines.next().ok_or(CscvError::EmptyInput)?;
        let names: Vec<String> = header.split(',').map(|f| f.trim().to_string()).collect();
        for (position, name) in names.iter().enumerate() {
            if name.is_empty() {
                return Err(CscvError::EmptyColumnName { line: header_line, position: position + 1 });
            }
            if names[..position].contains(name) {
                return Err(CscvError::DuplicateColumn { line: header_line, name: name.clone() });
            }
        }

        let mut columns: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
        let mut rows = 0;
        for (line, content) in lines {
            let fields: Vec<&str> = content.split(',').collect();
            if fields.len() != names.len() {
                return Err(CscvError::RaggedRow { line, found: fields.len(), expected: names.len() });
            }
            for ((field, name), column) in fields.iter().zip(&names).zip(columns.iter_mut()) {
                let text = field.trim();
                let value: f64 = text.parse().map_err(|_| CscvError::NotANumber {
                    line,
                    column: name.clone(),
                    text: text.to_string(),
                })?;
                if !value.is_finite() {
                    return Err(CscvError::NonFiniteCell { line, column: name.clone(), text: text.to_string() });
                }
                column.push(value);
            }
            rows += 1;
        }

        Ok(Matrix { columns: names, rows, data: columns.into_iter().flatten().collect() })
    }

    /// The columns as slices of length `rows`, in column order. Only
    /// meaningful after [`Matrix::validate`] (a shape mismatch yields fewer or
    /// shorter slices, never a panic).
    pub(crate) fn column_slices(&self) -> impl Iterator<Item = &[f64]> {
        self.data.chunks(self.rows.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_header_rows_and_whitespace_into_column_major() {
        let text = " a , b,c \n1, 2 ,3\r\n\n 4,5,6 \n";
        let m = Matrix::from_csv(text).unwrap();
        assert_eq!(m.columns, ["a", "b", "c"]);
        assert_eq!(m.rows, 2);
        // Column-major: a = (1, 4), b = (2, 5), c = (3, 6).
        assert_eq!(m.data, [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        assert_eq!(m.validate(), Ok(()));
    }

    #[test]
    fn accepts_exponents_and_signs() {
        let m = Matrix::from_csv("x,y\n-1e-3,+0.5\n.25,2.\n").unwrap();
        assert_eq!(m.data, [-0.001, 0.25, 0.5, 2.0]);
    }

    #[test]
    fn csv_errors_name_line_and_column() {
        let header = "c1,c2,c3,c4\n";
        let good = "1,2,3,4\n";
        let cases: Vec<(String, &str)> = vec![
            (String::new(), "the CSV input is empty: expected a header row naming the strategy columns"),
            ("\n  \n".to_string(), "the CSV input is empty: expected a header row naming the strategy columns"),
            ("a,,b\n".to_string(), "line 1: header field 2 is an empty column name"),
            ("a,b,a\n".to_string(), "line 1: column name `a` appears more than once"),
            // Lines 2–6 good, line 7 short.
            (format!("{header}{}1,2,3\n", good.repeat(5)), "line 7 has 3 values, the header names 4 columns"),
            (format!("{header}{good}1,2,3,4,5\n"), "line 3 has 5 values, the header names 4 columns"),
            // Lines 2–11 good, line 12 bad in column 3.
            (format!("{header}{}1,2,abc,4\n", good.repeat(10)), "line 12, column `c3`: \"abc\" is not a number"),
            (format!("{header}1,2,3,\n"), "line 2, column `c4`: \"\" is not a number"),
            // A blank line still counts towards the line number.
            (
                format!("{header}\n1,NaN,3,4\n"),
                "line 3, column `c2`: \"NaN\" is not finite (NaN and infinities are refused)",
            ),
            (
                format!("{header}1,2,-inf,4\n"),
                "line 2, column `c3`: \"-inf\" is not finite (NaN and infinities are refused)",
            ),
            (
                format!("{header}1e999,2,3,4\n"),
                "line 2, column `c1`: \"1e999\" is not finite (NaN and infinities are refused)",
            ),
        ];
        for (text, message) in cases {
            let err = Matrix::from_csv(&text).unwrap_err();
            assert_eq!(err.to_string(), message, "input {text:?}");
        }
    }

    #[test]
    fn structural_validation() {
        let cases: Vec<(Matrix, CscvError)> = vec![
            (Matrix { columns: vec!["a".into()], rows: 1, data: vec![1.0] }, CscvError::TooFewColumns { found: 1 }),
            (
                Matrix { columns: vec!["a".into(), " ".into()], rows: 1, data: vec![1.0, 2.0] },
                CscvError::UnnamedColumn { position: 2 },
            ),
            (
                Matrix { columns: vec!["b".into(), "a".into(), "b".into()], rows: 1, data: vec![0.0; 3] },
                CscvError::DuplicateName { name: "b".into() },
            ),
            (Matrix { columns: vec!["a".into(), "b".into()], rows: 0, data: vec![] }, CscvError::NoRows),
            (
                Matrix { columns: vec!["a".into(), "b".into()], rows: 2, data: vec![0.0; 3] },
                CscvError::ShapeMismatch { found: 3, expected: 4, columns: 2, rows: 2 },
            ),
        ];
        for (matrix, want) in cases {
            assert_eq!(matrix.validate(), Err(want));
        }
        let nan = Matrix { columns: vec!["a".into(), "b".into()], rows: 2, data: vec![0.0, 0.0, 1.0, f64::NAN] };
        match nan.validate() {
            Err(CscvError::NonFiniteValue { column, row, .. }) => {
                assert_eq!((column.as_str(), row), ("b", 1))
            }
            other => panic!("expected NonFiniteValue, got {other:?}"),
        }
    }

    #[test]
    fn header_only_csv_parses_but_fails_validation() {
        let m = Matrix::from_csv("a,b\n").unwrap();
        assert_eq!(m.rows, 0);
        assert_eq!(m.validate(), Err(CscvError::NoRows));
    }

    #[test]
    fn from_columns_validates() {
        let m = Matrix::from_columns(vec![("a".into(), vec![1.0, 2.0]), ("b".into(), vec![3.0, 4.0])]).unwrap();
        assert_eq!(m.data, [1.0, 2.0, 3.0, 4.0]);
        let ragged = Matrix::from_columns(vec![("a".into(), vec![1.0, 2.0]), ("b".into(), vec![3.0])]);
        assert!(matches!(ragged, Err(CscvError::ShapeMismatch { .. })));
    }
}

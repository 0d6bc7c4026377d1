//! A place for a file or a directory: a local path or an `s3://bucket/key` URI.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Local(PathBuf),
    S3 { bucket: String, key: String },
}

impl Location {
    /// `s3://bucket/key…` becomes S3 (a bucket is required); anything else is a local path.
    pub fn parse(text: &str) -> Result<Location, String> {
        match text.strip_prefix("s3://") {
            Some(rest) => {
                let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
                if bucket.is_empty() {
                    return Err(format!("\"{text}\" names no bucket (expected s3://<bucket>/<key>)"));
                }
                Ok(Location::S3 { bucket: bucket.to_string(), key: key.to_string() })
            }
            None if text.contains("://") => Err(format!("\"{text}\": only local paths and s3:// URIs are supported")),
            None => Ok(Location::Local(PathBuf::from(text))),
        }
    }

    pub fn is_s3(&self) -> bool {
        matches!(self, Location::S3 { .. })
    }

    /// This location with `name` appended as a path segment (a directory's child).
    pub fn join(&self, name: &str) -> Location {
        match self {
            Location::Local(p) => Location::Local(p.join(name)),
            Location::S3 { bucket, key } => {
                let key =
                    if key.is_empty() || key.ends_with('/') { format!("{key}{name}") } else { format!("{key}/{name}") };
                Location::S3 { bucket: bucket.clone(), key }
            }
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Local(p) => write!(f, "{}", p.display()),
            Location::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_s3_uris_and_paths() {
        assert_eq!(
            Location::parse("s3://b/results/run-1/").unwrap(),
            Location::S3 { bucket: "b".into(), key: "results/run-1/".into() }
        );
        assert_eq!(Location::parse("s3://b").unwrap(), Location::S3 { bucket: "b".into(), key: String::new() });
        assert_eq!(Location::parse("/tmp/x").unwrap(), Location::Local("/tmp/x".into()));
        assert!(Location::parse("s3:///key").unwrap_err().contains("names no bucket"));
        assert!(Location::parse("gs://b/k").unwrap_err().contains("only local paths and s3://"));
    }

    #[test]
    fn joins_children() {
        let l = Location::parse("s3://b/datasets/").unwrap();
        assert_eq!(l.join("spx").to_string(), "s3://b/datasets/spx");
        assert_eq!(Location::parse("s3://b/datasets").unwrap().join("spx").to_string(), "s3://b/datasets/spx");
        assert_eq!(Location::parse("s3://b").unwrap().join("x").to_string(), "s3://b/x");
    }
}

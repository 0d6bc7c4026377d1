//! A sweep's checkpoint under an S3 prefix (the shard's `…/checkpoint/`), so a shard retried on
//! another machine after a Spot interruption resumes from what the first attempt finished. S3
//! writes are whole objects: a reader sees a file's old bytes or its new ones, never a part.

use crate::remote::s3::{S3, S3Error};
use crate::sweep::checkpoint::CheckpointStore;

pub struct S3Store {
    s3: S3,
    bucket: String,
    /// The checkpoint's prefix, without a trailing `/`.
    prefix: String,
}

impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl S3Store {
    pub fn new(s3: S3, bucket: &str, prefix: &str) -> S3Store {
        S3Store { s3, bucket: bucket.to_string(), prefix: prefix.trim_matches('/').to_string() }
    }

    fn key(&self, name: &str) -> String {
        if self.prefix.is_empty() { name.to_string() } else { format!("{}/{name}", self.prefix) }
    }
}

impl CheckpointStore for S3Store {
    fn describe(&self) -> String {
        format!("s3://{}/{}/", self.bucket, self.prefix)
    }

    fn read(&self, name: &str) -> Result<Option<Vec<u8>>, String> {
        match self.s3.get(&self.bucket, &self.key(name)) {
            Ok(bytes) => Ok(Some(bytes.to_vec())),
            Err(S3Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), String> {
        self.s3.put(&self.bucket, &self.key(name), bytes.to_vec()).map_err(|e| e.to_string())
    }

    fn clear(&self) -> Result<(), String> {
        let keys = self.s3.list(&self.bucket, &format!("{}/", self.prefix)).map_err(|e| e.to_string())?;
        // The index first: from then on nothing is resumed from the chunks left, if any.
        let index = self.key(crate::sweep::checkpoint::INDEX_FILE);
        self.s3.delete(&self.bucket, &index).map_err(|e| e.to_string())?;
        for key in keys.iter().filter(|k| **k != index) {
            self.s3.delete(&self.bucket, key).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

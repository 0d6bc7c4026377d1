//! A small blocking S3 client over object_store: get, put, list. The engine is synchronous; the
//! client owns a tokio runtime and blocks on it, so nothing async leaks into the engine.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    #[error("{uri}: no such object")]
    NotFound { uri: String },
    #[error("{uri}: {message}")]
    Request { uri: String, message: String },
    #[error("cannot start the S3 client: {0}")]
    Setup(String),
}

pub struct S3 {
    runtime: tokio::runtime::Runtime,
    stores: Mutex<BTreeMap<String, Arc<dyn ObjectStore>>>,
}

impl std::fmt::Debug for S3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3").finish_non_exhaustive()
    }
}

fn uri(bucket: &str, key: &str) -> String {
    format!("s3://{bucket}/{key}")
}

fn describe(bucket: &str, key: &str, e: object_store::Error) -> S3Error {
    match e {
        object_store::Error::NotFound { .. } => S3Error::NotFound { uri: uri(bucket, key) },
        other => S3Error::Request { uri: uri(bucket, key), message: crate::error::describe(&other) },
    }
}

impl S3 {
    /// A client configured from the standard AWS environment (`AWS_ENDPOINT_URL`, `AWS_REGION`,
    /// credentials chain). An `http://` endpoint (a local test server) is allowed without TLS.
    pub fn from_env() -> Result<S3, S3Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .map_err(|e| S3Error::Setup(e.to_string()))?;
        Ok(S3 { runtime, stores: Mutex::new(BTreeMap::new()) })
    }

    fn store(&self, bucket: &str) -> Result<Arc<dyn ObjectStore>, S3Error> {
        let mut stores = self.stores.lock().map_err(|_| S3Error::Setup("client lock poisoned".into()))?;
        if let Some(s) = stores.get(bucket) {
            return Ok(s.clone());
        }
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        let endpoint = std::env::var("AWS_ENDPOINT_URL_S3").or_else(|_| std::env::var("AWS_ENDPOINT_URL"));
        if endpoint.is_ok_and(|e| e.starts_with("http://")) {
            builder = builder.with_allow_http(true);
        }
        let store: Arc<dyn ObjectStore> =
            Arc::new(builder.build().map_err(|e| S3Error::Setup(crate::error::describe(&e)))?);
        stores.insert(bucket.to_string(), store.clone());
        Ok(store)
    }

    pub fn get(&self, bucket: &str, key: &str) -> Result<Bytes, S3Error> {
        let store = self.store(bucket)?;
        let path = ObjectPath::from(key);
        self.runtime.block_on(async {
            store
                .get(&path)
                .await
                .map_err(|e| describe(bucket, key, e))?
                .bytes()
                .await
                .map_err(|e| describe(bucket, key, e))
        })
    }

    pub fn put(&self, bucket: &str, key: &str, bytes: Vec<u8>) -> Result<(), S3Error> {
        let store = self.store(bucket)?;
        let path = ObjectPath::from(key);
        self.runtime
            .block_on(async { store.put(&path, PutPayload::from(bytes)).await })
            .map(|_| ())
            .map_err(|e| describe(bucket, key, e))
    }

    /// Keys under `prefix`, sorted.
    pub fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, S3Error> {
        let store = self.store(bucket)?;
        let path = ObjectPath::from(prefix);
        let mut keys: Vec<String> = self
            .runtime
            .block_on(async { store.list(Some(&path)).map_ok(|m| m.location.to_string()).try_collect().await })
            .map_err(|e| describe(bucket, prefix, e))?;
        keys.sort();
        Ok(keys)
    }

    /// Fetches many objects with up to `parallelism` requests in flight; results in input order.
    pub fn get_many(&self, bucket: &str, keys: &[String], parallelism: usize) -> Vec<Result<Bytes, S3Error>> {
        let store = match self.store(bucket) {
            Ok(s) => s,
            Err(e) => return keys.iter().map(|_| Err(S3Error::Setup(e.to_string()))).collect(),
        };
        self.runtime.block_on(async {
            futures::stream::iter(keys.iter().cloned())
                .map(|key| {
                    let store = store.clone();
                    async move {
                        let path = ObjectPath::from(key.as_str());
                        match store.get(&path).await {
                            Ok(r) => r.bytes().await.map_err(|e| describe(bucket, &key, e)),
                            Err(e) => Err(describe(bucket, &key, e)),
                        }
                    }
                })
                .buffered(parallelism.max(1))
                .collect()
                .await
        })
    }
}

//! A small blocking S3 client over object_store: get, put, list. The engine is synchronous; the
//! client owns a tokio runtime and blocks on it, so nothing async leaks into the engine.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
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
    /// `message` is one line naming what to fix; `raw` is the client's whole error, shown with
    /// `--verbose` (`AEGIS_VERBOSE`).
    #[error("{uri}: {message}{}", verbose_suffix(.raw))]
    Request { uri: String, message: String, raw: String },
    #[error("cannot start the S3 client: {0}")]
    Setup(String),
}

static VERBOSE: AtomicBool = AtomicBool::new(false);

/// Makes S3 errors carry the raw response after their one line (`--verbose`).
pub fn set_verbose(on: bool) {
    VERBOSE.store(on, Ordering::Relaxed);
}

fn verbose_suffix(raw: &str) -> String {
    if VERBOSE.load(Ordering::Relaxed) { format!("\n  raw error: {raw}") } else { String::new() }
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
    let raw = crate::error::describe(&e).replace('\n', " ");
    match e {
        // A 404 is a missing object, unless it is the bucket that is missing.
        object_store::Error::NotFound { .. } if !raw.contains("NoSuchBucket") => {
            S3Error::NotFound { uri: uri(bucket, key) }
        }
        _ => S3Error::Request { uri: uri(bucket, key), message: explain(bucket, &raw), raw },
    }
}

/// The text between `<tag>` and `</tag>` in an S3 XML error body.
fn xml_field<'a>(body: &'a str, tag: &str) -> Option<&'a str> {
    let start = body.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = body[start..].find(&format!("</{tag}>"))? + start;
    Some(body[start..end].trim())
}

/// One line naming what to fix, from the client's error text (its HTTP status and S3's XML error
/// code): wrong region, no such bucket, expired or invalid credentials, access denied, an endpoint
/// that is not S3, no network.
fn explain(bucket: &str, raw: &str) -> String {
    let code = xml_field(raw, "Code");
    let region = std::env::var("AWS_REGION").or_else(|_| std::env::var("AWS_DEFAULT_REGION")).unwrap_or_default();
    let endpoint = std::env::var("AWS_ENDPOINT_URL_S3").or_else(|_| std::env::var("AWS_ENDPOINT_URL")).ok();
    let status =
        raw.split("status code: ").nth(1).and_then(|rest| rest.get(..3)).and_then(|digits| digits.parse::<u16>().ok());
    let right_region = xml_field(raw, "Region").map(str::to_string).or_else(|| {
        let at = raw.find("expecting '")? + "expecting '".len();
        Some(raw[at..].split('\'').next()?.to_string())
    });
    let looks_html = {
        let lower = raw.to_ascii_lowercase();
        lower.contains("<html") || lower.contains("<!doctype")
    };
    // object_store follows no redirect: S3's 301 for a bucket in another region arrives without
    // its body, as "redirect without LOCATION".
    let wrong_region = matches!(
        code,
        Some("PermanentRedirect" | "AuthorizationHeaderMalformed" | "IllegalLocationConstraintException")
    ) || status == Some(301)
        || raw.contains("redirect without LOCATION");
    if wrong_region {
        return match right_region {
            Some(r) => format!("bucket {bucket} is not in region {region:?}: it is in {r} (set AWS_REGION={r})"),
            None => format!(
                "bucket {bucket} is not in region {region:?} (S3 redirected the request): set AWS_REGION to the bucket's region"
            ),
        };
    }
    match code {
        Some("NoSuchBucket") => {
            format!("bucket {bucket} does not exist (region {region:?}): check the bucket name and AWS_REGION")
        }
        Some("ExpiredToken" | "ExpiredTokenException" | "RequestExpired" | "TokenRefreshRequired") => {
            "the AWS credentials have expired: refresh them (or the task role's session) and run again".into()
        }
        Some(c @ ("InvalidAccessKeyId" | "SignatureDoesNotMatch" | "InvalidToken" | "InvalidClientTokenId")) => {
            format!(
                "AWS rejected the credentials ({c}): check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the task role"
            )
        }
        Some(c @ ("AccessDenied" | "AllAccessDisabled")) => {
            format!("access denied ({c}): the role needs s3:GetObject, s3:PutObject and s3:DeleteObject on this prefix")
        }
        _ if looks_html => format!(
            "the endpoint {} answered with an HTML page, not S3: check AWS_ENDPOINT_URL and the network path",
            endpoint.as_deref().unwrap_or("(the AWS default)")
        ),
        _ if status == Some(403) => "access denied (HTTP 403): check the role's S3 permissions on this prefix".into(),
        _ if status.is_none() && (raw.contains("error sending request") || raw.contains("connect")) => format!(
            "cannot reach S3{}: check the network and AWS_ENDPOINT_URL",
            endpoint.map(|e| format!(" at {e}")).unwrap_or_default()
        ),
        Some(c) => format!("S3 refused the request ({c}: {})", xml_field(raw, "Message").unwrap_or("no message")),
        None => format!(
            "the S3 request failed{}: run with --verbose for the raw response",
            status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
        ),
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

    /// Deletes one object; deleting a key that does not exist is not an error (S3's rule), but a
    /// missing bucket or a denied request is.
    pub fn delete(&self, bucket: &str, key: &str) -> Result<(), S3Error> {
        let store = self.store(bucket)?;
        let path = ObjectPath::from(key);
        match self.runtime.block_on(async { store.delete(&path).await }).map_err(|e| describe(bucket, key, e)) {
            Ok(()) | Err(S3Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
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

    /// Fetches many objects with up to `parallelism` requests in flight, handing each to `each`
    /// (with its index in `keys`) as it arrives, in any order: at most `parallelism` objects are
    /// held at once, so a dataset of any size streams to disk. Stops at the first error, from S3
    /// or from `each`.
    pub fn get_each<E: From<S3Error>>(
        &self,
        bucket: &str,
        keys: &[String],
        parallelism: usize,
        mut each: impl FnMut(usize, Bytes) -> Result<(), E>,
    ) -> Result<(), E> {
        let store = self.store(bucket)?;
        self.runtime.block_on(async {
            // Spawned, so downloads go on while `each` writes and hashes the last one.
            let mut arrivals = futures::stream::iter(keys.iter().cloned().enumerate())
                .map(|(i, key)| {
                    let (store, bucket) = (store.clone(), bucket.to_string());
                    tokio::spawn(async move {
                        let path = ObjectPath::from(key.as_str());
                        let got = match store.get(&path).await {
                            Ok(r) => r.bytes().await.map_err(|e| describe(&bucket, &key, e)),
                            Err(e) => Err(describe(&bucket, &key, e)),
                        };
                        (i, got)
                    })
                })
                .buffer_unordered(parallelism.max(1));
            while let Some(joined) = arrivals.next().await {
                let (i, got) = joined.map_err(|e| S3Error::Setup(format!("a download task failed: {e}")))?;
                each(i, got?)?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::explain;

    /// What object_store says for an S3 error response (its display text, on one line).
    fn raw(status: &str, code: &str, extra: &str) -> String {
        format!(
            "Generic S3 error: Error performing PUT http://127.0.0.1:9/b/k in 2ms - Server returned non-2xx status code: {status}: <?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>m</Message>{extra}</Error>"
        )
    }

    #[test]
    fn every_kind_of_refusal_is_one_line_naming_what_to_fix() {
        let cases = [
            (raw("403 Forbidden", "InvalidAccessKeyId", ""), "AWS rejected the credentials (InvalidAccessKeyId)"),
            (raw("400 Bad Request", "ExpiredToken", ""), "the AWS credentials have expired"),
            (raw("404 Not Found", "NoSuchBucket", ""), "bucket b does not exist"),
            (raw("403 Forbidden", "AccessDenied", ""), "access denied (AccessDenied)"),
            (raw("301 Moved Permanently", "PermanentRedirect", "<Region>eu-west-1</Region>"), "it is in eu-west-1 (set AWS_REGION=eu-west-1)"),
            (
                raw("400 Bad Request", "AuthorizationHeaderMalformed", "").replace("<Message>m", "<Message>the region 'us-east-1' is wrong; expecting 'ap-south-1'"),
                "it is in ap-south-1",
            ),
            (
                "Generic S3 error: Error performing POST http://h/b?delete in 5ms - Received redirect without LOCATION, this normally indicates an incorrectly configured region".into(),
                "(S3 redirected the request)",
            ),
            ("Generic S3 error: ... non-2xx status code: 502 Bad Gateway: <html><body>nginx</body></html>".into(), "answered with an HTML page"),
            ("Generic S3 error: Error performing GET http://127.0.0.1:9/b/k - error sending request".into(), "cannot reach S3"),
            (raw("409 Conflict", "OperationAborted", ""), "S3 refused the request (OperationAborted: m)"),
        ];
        for (text, expected) in cases {
            let line = explain("b", &text);
            assert!(line.contains(expected), "{text}\n→ {line}");
            assert!(!line.contains('<') && !line.contains('\n'), "{line}");
        }
    }
}

//! The HTTP cache's filesystem store: `<dir>/<spider>/<fp[..2]>/<fp>/` holding `meta.json`
//! and `response_body`, each written to a temporary file and renamed into place.

use std::io;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::{Request, Response};

const META_FILE: &str = "meta.json";
const BODY_FILE: &str = "response_body";

/// A response as read back from the cache.
#[derive(Debug, Clone)]
pub(super) struct Cached {
    pub status: StatusCode,
    pub url: Url,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// What `meta.json` holds.
#[derive(Serialize, Deserialize)]
struct Meta {
    url: String,
    method: String,
    status: u16,
    response_url: String,
    headers: Vec<(String, String)>,
    timestamp: f64,
    body_length: u64,
}

/// Seconds since the Unix epoch.
pub(super) use crate::clock::unix_now as now;

/// The filesystem store of one crawl.
pub(super) struct Storage {
    dir: PathBuf,
    expiration_secs: u64,
}

impl Storage {
    /// A store under `dir` (a relative path is resolved under the current directory);
    /// entries older than `expiration_secs` (0: never) are misses.
    pub fn new(dir: &str, expiration_secs: u64) -> Self {
        let dir = Path::new(dir);
        let dir = match std::env::current_dir() {
            Ok(current) if dir.is_relative() => current.join(dir),
            _ => dir.to_owned(),
        };
        Storage {
            dir,
            expiration_secs,
        }
    }

    pub(super) fn entry(&self, spider: &str, request: &Request) -> PathBuf {
        let key = format!("{:016x}", request.fingerprint().0);
        self.dir.join(spider).join(&key[..2]).join(key)
    }

    /// The cached response to `request`, unless missing, expired or unreadable.
    #[cfg(test)]
    pub fn retrieve(&self, spider: &str, request: &Request) -> Option<Cached> {
        self.read(&self.entry(spider, request))
    }

    /// The cached response in the directory `entry` (see [`Storage::entry`]), unless
    /// missing, expired or unreadable.
    pub(super) fn read(&self, entry: &Path) -> Option<Cached> {
        let meta: Meta =
            serde_json::from_slice(&std::fs::read(entry.join(META_FILE)).ok()?).ok()?;
        if self.expiration_secs > 0 && now() - meta.timestamp > self.expiration_secs as f64 {
            return None;
        }
        let body = std::fs::read(entry.join(BODY_FILE)).ok()?;
        if body.len() as u64 != meta.body_length {
            // Being rewritten by another crawl: treat as a miss.
            return None;
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &meta.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.append(name, value);
            }
        }
        Some(Cached {
            status: StatusCode::from_u16(meta.status).ok()?,
            url: Url::parse(&meta.response_url).ok()?,
            headers,
            body: body.into(),
        })
    }

    /// Stores `response` as the answer to its request.
    pub fn store(&self, spider: &str, response: &Response) -> io::Result<()> {
        let entry = self.entry(spider, &response.request);
        std::fs::create_dir_all(&entry)?;
        let meta = Meta {
            url: response.request.url.to_string(),
            method: response.request.method.to_string(),
            status: response.status.as_u16(),
            response_url: response.url.to_string(),
            headers: response
                .headers
                .iter()
                .map(|(name, value)| {
                    (
                        name.to_string(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            timestamp: now(),
            body_length: response.body.len() as u64,
        };
        write_atomically(&entry.join(BODY_FILE), &response.body)?;
        write_atomically(
            &entry.join(META_FILE),
            &serde_json::to_vec_pretty(&meta).map_err(io::Error::other)?,
        )
    }
}

/// Writes `data` to a temporary file beside `path`, then renames it over `path`.
fn write_atomically(path: &Path, data: &[u8]) -> io::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temp = path.with_file_name(format!(
        ".{name}.{}.{:x}.tmp",
        std::process::id(),
        fastrand::u64(..)
    ));
    let written = std::fs::write(&temp, data).and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(url: &str, body: &'static str) -> Response {
        let request = Request::get(url).unwrap();
        let mut headers = HeaderMap::new();
        headers.append("set-cookie", HeaderValue::from_static("a=1"));
        headers.append("set-cookie", HeaderValue::from_static("b=2"));
        Response::new(
            request.clone(),
            request.url,
            StatusCode::NOT_FOUND,
            headers,
            Bytes::from(body),
        )
    }

    #[test]
    fn stores_and_retrieves_in_scrapy_layout() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::new(dir.path().to_str().unwrap(), 0);
        let stored = response("http://h/a?x=1", "body");
        storage.store("spider", &stored).unwrap();
        let key = format!("{:016x}", stored.request.fingerprint().0);
        let entry = dir.path().join("spider").join(&key[..2]).join(&key);
        assert!(entry.join("meta.json").is_file() && entry.join("response_body").is_file());
        let cached = storage.retrieve("spider", &stored.request).unwrap();
        assert_eq!(
            (cached.status, cached.body.as_ref()),
            (StatusCode::NOT_FOUND, b"body".as_ref())
        );
        assert_eq!(cached.headers.get_all("set-cookie").iter().count(), 2);
        assert!(storage.retrieve("other", &stored.request).is_none());
        assert!(storage
            .retrieve("spider", &Request::get("http://h/b").unwrap())
            .is_none());
        std::fs::write(entry.join("response_body"), "truncated").unwrap();
        assert!(
            storage.retrieve("spider", &stored.request).is_none(),
            "length mismatch"
        );
    }

    #[test]
    fn expired_entries_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::new(dir.path().to_str().unwrap(), 60);
        let stored = response("http://h/", "x");
        storage.store("s", &stored).unwrap();
        assert!(storage.retrieve("s", &stored.request).is_some());
        let key = format!("{:016x}", stored.request.fingerprint().0);
        let meta_path = dir
            .path()
            .join("s")
            .join(&key[..2])
            .join(&key)
            .join(META_FILE);
        let mut meta: Meta = serde_json::from_slice(&std::fs::read(&meta_path).unwrap()).unwrap();
        meta.timestamp -= 61.0;
        std::fs::write(&meta_path, serde_json::to_vec(&meta).unwrap()).unwrap();
        assert!(storage.retrieve("s", &stored.request).is_none());
    }
}

//! Scrapy's FilesPipeline, written as user code: the spider yields items with `file_urls`
//! (the links of a file listing), and an impl-form `#[pipeline]` downloads each URL with
//! `crawler.download(..)` (through the engine's downloader middlewares and slots, counted in
//! the stats like any request), stores the body as `FILES_STORE/full/<sha1 of the URL>.<ext>`
//! and fills the item's `files` with `{url, path, checksum}` (`path` relative to
//! `FILES_STORE`, `checksum` the SHA-1 of the body, both in hex).
//!
//! ```sh
//! cargo run --release --example files_pipeline -- -o files.jsonl                 # demo site -> target/files
//! cargo run --release --example files_pipeline -- -s FILES_STORE=/tmp/store -o files.jsonl
//! ```
//!
//! A file that fails to download (an error, or a status other than 2xx) is logged and left
//! out of `files`; the item still goes on. Stats: `file_count`,
//! `file_status_count/downloaded`, `file_status_count/error`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::Context as _;
use crawl_core::prelude::*;
use url::Url;

/// Where files go when the `FILES_STORE` setting is empty (relative to the working directory).
pub const DEFAULT_FILES_STORE: &str = "target/files";

/// A stored file, as the pipeline reports it in the item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredFile {
    /// The URL it was downloaded from.
    pub url: String,
    /// Where it is, relative to `FILES_STORE`: `full/<sha1 hex of the url>.<ext>`.
    pub path: String,
    /// The SHA-1 of its bytes, in hex.
    pub checksum: String,
}

/// A page's files: the spider fills `file_urls`, the pipeline fills `files`.
#[derive(Debug, Serialize)]
pub struct PageFiles {
    /// The page listing the files.
    pub url: String,
    /// Absolute URLs of the files to download.
    pub file_urls: Vec<String>,
    /// The files downloaded and stored, in `file_urls` order.
    pub files: Vec<StoredFile>,
}

/// Yields one `PageFiles` per page that links files (`a.file`).
#[derive(Default)]
pub struct Files;

#[spider(name = "files")]
impl Files {
    /// A file listing yields its links as one item; any other page (the demo site's home
    /// page, when run without arguments) leads to the site's `/files/` listing.
    async fn parse(&self, response: Response) {
        let hrefs = response.css("a.file::attr(href)").getall();
        if hrefs.is_empty() {
            yield_!(response.follow("/files/", Self::parse));
        } else {
            let file_urls = hrefs
                .iter()
                .filter_map(|href| response.urljoin(href).ok())
                .map(String::from)
                .collect();
            yield_!(PageFiles {
                url: response.url.to_string(),
                file_urls,
                files: Vec::new(),
            });
        }
    }
}

/// The store's path for the file at `url`: `full/<sha1 hex of the url>.<ext>`, the extension
/// taken from the URL's path (none if the path has none).
pub fn file_path(url: &Url) -> String {
    let digest = sha1_smol::Sha1::from(url.as_str()).digest().to_string();
    let name = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or_default();
    match Path::new(name).extension().and_then(|ext| ext.to_str()) {
        Some(ext) if !ext.is_empty() => format!("full/{digest}.{}", ext.to_ascii_lowercase()),
        _ => format!("full/{digest}"),
    }
}

/// The SHA-1 of `bytes`, in hex: the `checksum` of a stored file.
pub fn checksum(bytes: &[u8]) -> String {
    sha1_smol::Sha1::from(bytes).digest().to_string()
}

/// The directory files are stored under: `FILES_STORE`, or [`DEFAULT_FILES_STORE`].
pub fn files_store(settings: &Settings) -> PathBuf {
    match settings.files_store.trim() {
        "" => PathBuf::from(DEFAULT_FILES_STORE),
        store => PathBuf::from(store),
    }
}

/// Downloads every `file_urls` entry of a `PageFiles` (concurrently) and stores it.
#[derive(Default)]
pub struct FilesPipeline {
    store: OnceLock<PathBuf>,
}

#[pipeline(order = 1)]
impl FilesPipeline {
    /// Creates `FILES_STORE/full`; an error here aborts the crawl.
    async fn open_spider(&self, crawler: &Crawler) -> Result<()> {
        let store = files_store(crawler.settings());
        let full = store.join("full");
        tokio::fs::create_dir_all(&full)
            .await
            .with_context(|| format!("cannot create {}", full.display()))?;
        tracing::info!("Storing files in {}", store.display());
        if self.store.set(store).is_err() {
            anyhow::bail!("the pipeline was opened twice");
        }
        Ok(())
    }

    /// Takes the item by value and returns it with its `files` filled in.
    async fn process_item(&self, mut item: PageFiles, crawler: &Crawler) -> Result<PageFiles> {
        let store = self.store.get().context("the files store is not open")?;
        let downloads = item
            .file_urls
            .iter()
            .map(|url| store_file(url, store, crawler));
        let results = futures::future::join_all(downloads).await;
        for (url, result) in item.file_urls.iter().zip(results) {
            crawler.stats().inc("file_count");
            match result {
                Ok(file) => {
                    crawler.stats().inc("file_status_count/downloaded");
                    item.files.push(file);
                }
                Err(error) => {
                    crawler.stats().inc("file_status_count/error");
                    tracing::warn!(
                        "File (error): cannot store <{url}> referred in <{}>: {error:#}",
                        item.url
                    );
                }
            }
        }
        Ok(item)
    }
}

/// Downloads `url` through the engine and writes its body under `store`.
async fn store_file(url: &str, store: &Path, crawler: &Crawler) -> Result<StoredFile> {
    let request = Request::get(url)?;
    let path = file_path(&request.url);
    let response = crawler.download(request).await?;
    if !response.status.is_success() {
        anyhow::bail!("HTTP status {}", response.status);
    }
    let target = store.join(&path);
    tokio::fs::write(&target, &response.body)
        .await
        .with_context(|| format!("cannot write {}", target.display()))?;
    tracing::debug!("File (downloaded): <{url}> stored as {}", target.display());
    Ok(StoredFile {
        url: url.to_owned(),
        path,
        checksum: checksum(&response.body),
    })
}

crawl_core::main!(demo_site);

//! Sitemaps (Scrapy's `SitemapSpider`): from a sitemap, a sitemap index or a robots.txt,
//! requests for the sitemaps and pages they list.
//!
//! A spider's sitemap callback hands each response to [`Sitemaps::requests`]: a robots.txt
//! gives its `Sitemap:` lines, an index its child sitemaps (those `sitemap_follow` matches),
//! a sitemap its pages, each for the callback of the first `sitemap_rules` pattern it
//! matches. Gzip sitemaps are decompressed as they are read; the XML is streamed, never held
//! as a tree. A malformed sitemap keeps the entries before the error, is logged and counted
//! in `sitemap/malformed_count`; a body that is no sitemap in `sitemap/ignored_count`.
//!
//! ```
//! use crawl_core::sitemap::Sitemaps;
//! use crawl_core::{Callback, Request, Response, Stats};
//!
//! let sitemaps = Sitemaps::new(Callback::PARSE, Callback::from_static("parse_page"))
//!     .rule(r"/author/", Callback::from_static("parse_author"))
//!     .unwrap()
//!     .rule("", Callback::from_static("parse_page")) // the rest; without it, skipped
//!     .unwrap();
//! let xml = r#"<urlset><url><loc>http://h/author/ada/</loc></url><url><loc>http://h/page/1/</loc></url></urlset>"#;
//! let response = Response::new(Request::get("http://h/sitemap.xml").unwrap(),
//!     "http://h/sitemap.xml".parse().unwrap(), http::StatusCode::OK, Default::default(), xml.into());
//! let requests: Vec<Request> = sitemaps.requests(&response, &Stats::default()).collect();
//! assert_eq!(requests[0].callback.name(), "parse_author");
//! assert_eq!(requests[1].callback.name(), "parse_page");
//! ```

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;

use regex::Regex;

use crate::{Callback, Request, Response, Stats};

mod parse;
mod requests;
#[cfg(test)]
mod tests;

pub use parse::{SitemapEntry, SitemapKind, SitemapReader};
pub use requests::SitemapRequests;

/// Stat: sitemaps that turned out malformed (their entries before the error were used).
pub const MALFORMED_STAT: &str = "sitemap/malformed_count";
/// Stat: responses handed to [`Sitemaps::requests`] that are no sitemap.
pub const IGNORED_STAT: &str = "sitemap/ignored_count";

/// Keeps (with `true`) or drops a sitemap entry (Scrapy's `sitemap_filter`).
pub type EntryFilter = Arc<dyn Fn(&SitemapEntry) -> bool + Send + Sync>;

/// The largest decompressed gzip sitemap read by default (Scrapy's `DOWNLOAD_MAXSIZE`).
pub const DEFAULT_MAX_SIZE: u64 = 1024 * 1024 * 1024;

/// A sitemap spider's configuration (Scrapy's `SitemapSpider` attributes).
#[derive(Clone)]
pub struct Sitemaps {
    sitemap_callback: Callback,
    rules: Vec<(Regex, Callback)>,
    /// Whether `rules` is still the catch-all of [`Sitemaps::new`].
    default_rules: bool,
    follow: Vec<Regex>,
    alternate_links: bool,
    filters: Vec<EntryFilter>,
    max_size: u64,
}

impl fmt::Debug for Sitemaps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sitemaps")
            .field("sitemap_callback", &self.sitemap_callback)
            .field("rules", &self.rules)
            .field("follow", &self.follow)
            .field("alternate_links", &self.alternate_links)
            .finish_non_exhaustive()
    }
}

fn regex(pattern: &str) -> Result<Regex, crate::Error> {
    crate::Error::regex(pattern)
}

impl Sitemaps {
    /// Sitemaps parsed by `sitemap_callback` (the callback that calls
    /// [`Sitemaps::requests`]), every page listed going to `page_callback` until
    /// [`rule`](Sitemaps::rule) says otherwise; every child sitemap of an index followed.
    pub fn new(sitemap_callback: Callback, page_callback: Callback) -> Self {
        Sitemaps {
            sitemap_callback,
            rules: vec![(Regex::new("").expect("the empty regex"), page_callback)],
            default_rules: true,
            follow: Vec::new(),
            alternate_links: false,
            filters: Vec::new(),
            max_size: DEFAULT_MAX_SIZE,
        }
    }

    /// Adds a `sitemap_rules` entry: pages whose URL `pattern` matches go to `callback`.
    /// Rules are tried in the order added and the first match wins; the first call
    /// replaces the catch-all rule of [`Sitemaps::new`], so pages no rule matches are skipped.
    pub fn rule(mut self, pattern: &str, callback: Callback) -> Result<Self, crate::Error> {
        if std::mem::take(&mut self.default_rules) {
            self.rules.clear();
        }
        self.rules.push((regex(pattern)?, callback));
        Ok(self)
    }

    /// Adds a `sitemap_follow` pattern: only child sitemaps of an index whose URL some
    /// pattern matches are followed (all are, without one).
    pub fn follow(mut self, pattern: &str) -> Result<Self, crate::Error> {
        self.follow.push(regex(pattern)?);
        Ok(self)
    }

    /// Also follows each entry's alternate-language links (`sitemap_alternate_links`).
    pub fn alternate_links(mut self, follow: bool) -> Self {
        self.alternate_links = follow;
        self
    }

    /// Keeps only entries `keep` returns `true` for (Scrapy's `sitemap_filter`), in indexes
    /// and sitemaps alike.
    pub fn filter(mut self, keep: impl Fn(&SitemapEntry) -> bool + Send + Sync + 'static) -> Self {
        self.filters.push(Arc::new(keep));
        self
    }

    /// Keeps only entries modified on or after `date` (`YYYY-MM-DD`, compared with the date
    /// part of `<lastmod>`); entries without `<lastmod>` are kept.
    pub fn lastmod_since(self, date: &str) -> Self {
        let date = date.to_owned();
        self.filter(move |entry| match &entry.lastmod {
            Some(lastmod) => lastmod.get(..10).unwrap_or(lastmod) >= date.as_str(),
            None => true,
        })
    }

    /// The largest decompressed size of a gzip sitemap; past it, the sitemap counts as
    /// malformed (default [`DEFAULT_MAX_SIZE`]).
    pub fn max_size(mut self, bytes: u64) -> Self {
        self.max_size = bytes;
        self
    }

    /// The requests `response` leads to, read as they are needed (a sitemap is streamed):
    /// see the module docs. `stats` counts malformed and ignored sitemaps.
    pub fn requests<'a>(&'a self, response: &'a Response, stats: &Stats) -> SitemapRequests<'a> {
        if response.url.path().ends_with("/robots.txt") {
            return SitemapRequests::robots(self, response);
        }
        match self.body(response) {
            Some(body) => SitemapRequests::sitemap(self, response, body, stats.clone()),
            None => {
                tracing::warn!(url = %response.url, "Ignoring invalid sitemap: {response:?}");
                stats.inc(IGNORED_STAT);
                SitemapRequests::empty(self, response)
            }
        }
    }

    /// The sitemap's XML, as Scrapy's `_get_sitemap_body` finds it: gunzipped if it starts
    /// with gzip's magic number, else as is if it is XML by type or by `.xml`/`.xml.gz` URL.
    fn body<'a>(&self, response: &'a Response) -> Option<Box<dyn BufRead + Send + 'a>> {
        let body: &'a [u8] = &response.body;
        if body.starts_with(&[0x1f, 0x8b]) {
            let limited = Limited {
                inner: flate2::read::GzDecoder::new(body),
                left: self.max_size,
            };
            return Some(Box::new(BufReader::new(limited)));
        }
        let xml_type = response
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("xml"));
        let path = response.url.path();
        (xml_type || path.ends_with(".xml") || path.ends_with(".xml.gz"))
            .then(|| Box::new(body) as Box<dyn BufRead + Send + 'a>)
    }

    fn keep(&self, entry: &SitemapEntry) -> bool {
        self.filters.iter().all(|keep| keep(entry))
    }

    fn follows(&self, url: &str) -> bool {
        self.follow.is_empty() || self.follow.iter().any(|re| re.is_match(url))
    }

    fn callback_for(&self, url: &str) -> Option<&Callback> {
        self.rules
            .iter()
            .find(|(re, _)| re.is_match(url))
            .map(|(_, callback)| callback)
    }
}

/// A reader that fails once more than `left` bytes were read: a gzip bomb stops there.
struct Limited<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left = self.left.checked_sub(n as u64).ok_or_else(|| {
            std::io::Error::other("the sitemap is larger than its size limit once decompressed")
        })?;
        Ok(n)
    }
}

/// The URLs of the `Sitemap:` lines of a robots.txt, resolved against `base`.
pub fn sitemap_urls_from_robots(text: &str, base: &url::Url) -> Vec<url::Url> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case("sitemap")
                .then(|| base.join(value.trim()).ok())
                .flatten()
        })
        .collect()
}

impl Sitemaps {
    /// A request for `loc` (resolved against the response's URL) to `callback`.
    fn request(response: &Response, loc: &str, callback: &Callback) -> Option<Request> {
        match response.urljoin(loc) {
            Ok(url) => Some(Request::new(url).with_callback(callback.clone())),
            Err(error) => {
                tracing::warn!(url = %response.url, "skipping a sitemap entry: {error}");
                None
            }
        }
    }
}

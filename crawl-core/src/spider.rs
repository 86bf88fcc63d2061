//! The spider trait the `#[spider]` macro implements, its static description and arguments.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;

use crate::{BoxError, Callback, Crawler, Output, Request, Response, Settings};

/// The stream of outputs a callback or `start_requests` produces.
pub type OutputStream = Pin<Box<dyn Stream<Item = Output> + Send + 'static>>;

/// What `#[spider(...)]` declares, checked while compiling.
#[derive(Debug)]
pub struct SpiderMeta {
    /// The spider's name, as given to `crawl NAME`.
    pub name: &'static str,
    /// Start URLs (each parsed while compiling).
    pub start_urls: &'static [&'static str],
    /// Domains the spider stays within (empty: any).
    pub allowed_domains: &'static [&'static str],
    /// Names accepted with `-a NAME=value`, besides the built-in `start_url`.
    pub args: &'static [&'static str],
    /// The callbacks a request may name.
    pub callbacks: &'static [&'static str],
    /// Applies the spider's `settings(...)`; fails on a map setting whose JSON is invalid.
    pub settings: fn(&mut Settings) -> Result<(), crate::Error>,
}

/// A spider, as the engine drives it. `#[spider]` implements it; implementing it by hand
/// works too.
pub trait Spider: Send + Sync + 'static {
    /// The spider's static description.
    fn meta(&self) -> &'static SpiderMeta;

    /// The first requests: by default one GET per start URL, handled by `parse`.
    fn start_requests(self: Arc<Self>, crawler: Crawler) -> OutputStream {
        let requests: Vec<Output> = crawler
            .start_urls()
            .iter()
            .map(|url| Output::from(Request::new(url.clone())))
            .collect();
        Box::pin(futures::stream::iter(requests))
    }

    /// Runs the callback named `callback` on `response`.
    fn call(
        self: Arc<Self>,
        callback: &Callback,
        response: Response,
        crawler: Crawler,
    ) -> OutputStream;

    /// Runs the errback named `errback` on `request`, which failed with `error`. `#[spider]`
    /// implements it for the methods its requests name with `.errback(Self::failed)`.
    fn errback(
        self: Arc<Self>,
        errback: &Callback,
        request: Request,
        error: BoxError,
        crawler: Crawler,
    ) -> OutputStream {
        let _ = (request, error, crawler);
        crate::__private::unknown_errback(self.meta().name, errback)
    }

    /// The spider's own signal handlers (its `#[on(signal)]` methods).
    fn signal_handlers(self: Arc<Self>) -> Vec<Arc<dyn crate::signals::SignalHandler>> {
        Vec::new()
    }
}

/// Spider arguments given with `-a NAME=value`.
///
/// A spider declares the arguments it takes (`#[spider(args = ["tag"])]`) and reads them
/// from its crawler (`crawler.args().get("tag")`); `start_url` is built in.
///
/// ```
/// let args = crawl_core::SpiderArgs::from_pairs([("tag", "life"), ("limit", "3")]);
/// assert_eq!(args.get("tag"), Some("life"));
/// assert_eq!(args.parse::<u32>("limit").unwrap(), Some(3));
/// assert_eq!(args.get("missing"), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpiderArgs(BTreeMap<String, String>);

impl SpiderArgs {
    /// The built-in argument that replaces a spider's start URLs.
    pub const START_URL: &'static str = "start_url";

    /// Arguments from `(name, value)` pairs.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        SpiderArgs(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// The raw value of argument `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The value of argument `name` parsed as `T`; `None` when absent.
    pub fn parse<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, crate::Error>
    where
        T::Err: std::fmt::Display,
    {
        self.get(name)
            .map(|text| {
                text.parse().map_err(|error: T::Err| {
                    crate::Error::Usage(format!(
                        "invalid value `{text}` for argument `{name}`: {error}"
                    ))
                })
            })
            .transpose()
    }

    /// Sets an argument unless it is already given.
    pub fn set_default(&mut self, name: &str, value: impl Into<String>) {
        self.0
            .entry(name.to_owned())
            .or_insert_with(|| value.into());
    }

    /// Checks every argument is declared by `meta` (or is `start_url`).
    pub fn check(&self, meta: &SpiderMeta) -> Result<(), crate::Error> {
        for name in self.0.keys() {
            if name != Self::START_URL && !meta.args.contains(&name.as_str()) {
                let mut known: Vec<String> = meta.args.iter().map(|a| format!("`{a}`")).collect();
                known.push(format!("`{}`", Self::START_URL));
                return Err(crate::Error::Usage(format!(
                    "spider `{}` has no argument `{name}`; it takes {}",
                    meta.name,
                    known.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// The start URLs: `start_url` if given (comma-separated), else the spider's own.
    pub fn start_urls(&self, meta: &SpiderMeta) -> Result<Vec<url::Url>, crate::Error> {
        let given: Vec<&str> = match self.get(Self::START_URL) {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .collect(),
            None => meta.start_urls.to_vec(),
        };
        given
            .into_iter()
            .map(|text| {
                url::Url::parse(text).map_err(|source| crate::Error::InvalidUrl {
                    url: text.to_owned(),
                    source,
                })
            })
            .collect()
    }
}

//! # crawl
//!
//! A web-crawling and scraping framework: Scrapy's model (spiders, a scheduler, a
//! downloader, middlewares, pipelines, feeds, stats) with spiders written as annotated
//! async fns and mistakes caught while compiling.
//!
//! ```no_run
//! use crawl_core::prelude::*;
//!
//! #[derive(Serialize)]
//! struct Quote { text: String, author: String }
//!
//! #[derive(Default)]
//! pub struct Quotes;
//!
//! #[spider(name = "quotes", start_urls = ["http://127.0.0.1:8000/"])]
//! impl Quotes {
//!     async fn parse(&self, response: Response) {
//!         for quote in response.css("div.quote") {
//!             yield_!(Quote {
//!                 text: quote.css("span.text::text").get().unwrap_or_default(),
//!                 author: quote.css("small.author::text").get().unwrap_or_default(),
//!             });
//!         }
//!         if let Some(next) = response.css("li.next a::attr(href)").get() {
//!             yield_!(response.follow(next, Self::parse));
//!         }
//!     }
//! }
//!
//! crawl_core::main!();
//! ```
//!
//! Users depend on this crate alone: it re-exports the macros and a [`prelude`].
//!
//! The [guide](crate::_guide) explains crawl chapter by chapter, from a first spider to
//! deploying, with a chapter for readers coming from Scrapy.

#![deny(missing_docs)]

extern crate self as crawl_core;

mod clock;
#[cfg(feature = "redis")]
pub mod cluster;
mod crawler;
pub mod downloader;
pub mod engine;
mod error;
pub mod extensions;
pub mod feed;
pub mod frontier;
mod hook;
mod item;
mod jobdir;
pub mod linkextractor;
pub mod middleware;
pub mod pipeline;
pub mod registry;
mod request;
mod response;
pub mod scheduler;
pub mod selector;
mod settings;
pub mod signals;
pub mod sitemap;
mod spider;
mod stats;

pub mod cli;
#[cfg(feature = "demo-site")]
pub mod demo_site;

#[doc(inline)]
pub use crawler::{ComponentNames, Components, Crawler};
#[doc(inline)]
pub use engine::{crawl, CrawlOptions, CrawlResult};
#[doc(inline)]
pub use error::{BoxError, Error, Result};
#[doc(inline)]
pub use hook::Hook;
#[doc(inline)]
pub use item::{BoxedItem, Item, Output};
#[doc(inline)]
pub use request::{
    Callback, FormFromResponse, FormRequest, IntoUrl, JsonRequest, Request, RequestResultExt,
};
#[doc(inline)]
pub use response::{OverBudget, Response};
#[doc(inline)]
pub use selector::{Selection, SelectorList};
#[doc(inline)]
pub use settings::{
    component_settings, component_settings_reference, settings_reference, ComponentOrders,
    ComponentSetting, ComponentSettings, ComponentSettingsEntry, Enabled, SettingValue, Settings,
    SETTING_NAMES,
};
#[doc(inline)]
pub use spider::{OutputStream, Spider, SpiderArgs, SpiderMeta};
#[doc(inline)]
pub use stats::Stats;

/// A spider: an impl block (or a free async fn) whose callbacks turn responses into items
/// and requests; more in the guide's [first spider](crate::_guide::first_spider) chapter.
/// Its callbacks are its `async fn`s that take the response; a sync method taking
/// `&Response` is a helper the callbacks may call. A callback may take one more argument of a
/// `Serialize + Deserialize` type, given with [`Request::with_args`]; a method named with
/// `.errback(Self::failed)` is an errback, `async fn failed(&self, request: Request, error:
/// BoxError)` ([`Request::errback`]); see the guide's
/// [toolkit](crate::_guide::toolkit#errbacks-and-typed-callback-arguments) chapter.
///
/// A crate that depends on crawl-core under another name tells the macros with
/// `crate = path`, as serde's `#[serde(crate = "...")]`: `#[spider(name = "s", crate =
/// my_crawl)]`, `#[pipeline(crate = my_crawl)]`, `#[middleware(crate = my_crawl)]`,
/// `#[on(spider_closed, crate = my_crawl)]`, and `#[crawl(crate = my_crawl)]` beside
/// `#[derive(Serialize)]`.
///
/// ```no_run
/// use crawl_core::prelude::*;
///
/// #[derive(Serialize)]
/// struct Title { title: String }
///
/// #[derive(Default)]
/// pub struct Titles;
///
/// #[spider(name = "titles", start_urls = ["http://127.0.0.1:8000/"], settings(download_delay = 0.5))]
/// impl Titles {
///     async fn parse(&self, response: Response) {
///         yield_!(Title { title: response.css("title::text").get().unwrap_or_default() });
///         if let Some(next) = response.css("li.next a::attr(href)").get() {
///             yield_!(response.follow(next, Self::parse));
///         }
///     }
/// }
///
/// crawl_core::main!(demo_site);
/// ```
///
#[doc(inline)]
pub use crawl_macros::spider;

/// An item pipeline, run in order on every item of the type it takes; more in the guide's
/// [items and pipelines](crate::_guide::items_and_pipelines) chapter.
///
/// ```
/// use crawl_core::prelude::*;
///
/// #[derive(Serialize)]
/// struct Quote { text: String }
///
/// #[pipeline(order = 300)]
/// async fn trim(mut item: Quote) -> Result<Option<Quote>> {
///     item.text = item.text.trim().to_owned();
///     if item.text.is_empty() {
///         return Err(DropItem::new("empty"));
///     }
///     Ok(Some(item))
/// }
/// # fn main() {}
/// ```
///
#[doc(inline)]
pub use crawl_macros::pipeline;

/// A downloader or spider middleware, with Scrapy's hooks; more in the guide's
/// [middlewares](crate::_guide::middlewares) chapter. A middleware fn is named after its
/// hook, or names it: `#[middleware(hook = process_request)] async fn add_header(..)`.
///
/// ```
/// use crawl_core::prelude::*;
///
/// #[middleware(order = 543)]
/// async fn process_request(request: &mut Request) {
///     request.headers.insert("x-crawled-by", "crawl".parse().unwrap());
/// }
/// # fn main() {}
/// ```
///
#[doc(inline)]
pub use crawl_macros::middleware;

/// A signal handler, called at a step of the crawl; more in the guide's
/// [signals](crate::_guide::signals) chapter.
///
/// ```
/// use crawl_core::prelude::*;
///
/// #[on(spider_closed)]
/// async fn report(reason: &str, crawler: &Crawler) {
///     let pages = crawler.stats().get_i64("response_received_count");
///     crawl_core::tracing::info!(reason, pages, "crawl over");
/// }
/// # fn main() {}
/// ```
///
#[doc(inline)]
pub use crawl_macros::on;

/// The logging crate crawl logs with, for user code: `crawl_core::tracing::info!(..)`.
pub use tracing;

/// Generates `fn main()`: a command line with `list`, `settings` and `crawl NAME [-o FILE] [-a k=v]
/// [-s NAME=value] [--log-level LEVEL]` over every spider linked into the binary.
///
/// `crawl_core::main!(demo_site)` also starts the embedded demo site and crawls it when no
/// `-a start_url=URL` is given; `crawl_core::main!(demo_site = "/robots.txt")` starts from
/// that path of it.
#[macro_export]
macro_rules! main {
    () => {
        fn main() -> ::std::process::ExitCode {
            $crate::cli::main($crate::cli::CliConfig::default())
        }
    };
    (demo_site) => {
        fn main() -> ::std::process::ExitCode {
            $crate::cli::main($crate::cli::CliConfig {
                demo_site: true,
                demo_path: ::std::option::Option::None,
            })
        }
    };
    (demo_site = $path:literal) => {
        fn main() -> ::std::process::ExitCode {
            $crate::cli::main($crate::cli::CliConfig {
                demo_site: true,
                demo_path: ::std::option::Option::Some($path),
            })
        }
    };
    ($($other:tt)+) => {
        ::std::compile_error!(
            "unknown `main!` option; expected `crawl_core::main!()` or `crawl_core::main!(demo_site)`"
        );
        // Still a `main`, so the one mistake makes one error.
        fn main() {}
    };
}

/// What a spider file needs: `use crawl_core::prelude::*;`.
pub mod prelude {
    pub use crate::middleware::Origin;
    pub use crate::{
        middleware, on, pipeline, spider, yield_, BoxError, BoxedItem, Callback, Crawler,
        FormRequest, JsonRequest, Output, OutputStream, Request, RequestResultExt, Response,
        Result, Selection, SelectorList, Settings, Spider, SpiderArgs, Stats,
    };
    pub use futures::{Stream, StreamExt};
    // The traits come from serde through the glob; the derives of the same names are crawl's,
    // which reach serde through crawl-core, so an item type needs no `serde` dependency.
    pub use crate::pipeline::DropItem;
    pub use crate::serde_traits::*;
    pub use crawl_macros::{Deserialize, Serialize, Settings};
}

/// serde's `Serialize` and `Deserialize` (traits and derives), glob-imported by the prelude
/// so that crawl's derives of the same names take precedence.
mod serde_traits {
    pub use serde::{Deserialize, Serialize};
}

// The guide's examples crawl the demo site: as doc tests they need the `demo-site` feature.
#[cfg(any(not(doctest), feature = "demo-site"))]
pub mod _guide;

/// The README's examples, compiled (and run where they need no network) as doc tests, so the
/// README cannot drift from the code.
#[cfg(all(doctest, feature = "demo-site"))]
#[doc = include_str!("../../README.md")]
mod readme {}

#[doc(hidden)]
/// Not public API: what macro expansions name. Nothing here is covered by semver.
pub mod __private;

/// Yields an item or a request from a generator callback of a `#[spider]` impl.
///
/// `yield_!(Quote { .. })` or `yield_!(response.follow(href, Self::parse))`. The `yield`
/// keyword itself is rejected by stable Rust before any macro runs, so crawl spells it as
/// this macro; `#[spider]` rewrites it, and it means nothing elsewhere.
#[macro_export]
macro_rules! yield_ {
    ($($value:tt)*) => {
        ::std::compile_error!(
            "`yield_!` works only in the body of a callback of a `#[spider]` impl"
        )
    };
}

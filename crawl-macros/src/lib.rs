//! Procedural macros of crawl. Use them through `crawl_core` (`use crawl_core::prelude::*`),
//! which re-exports them; they expand to paths under `::crawl_core::__private`, or under
//! `path::__private` with a `crate = path` argument.

#![deny(missing_docs)]

mod args;
mod callbacks;
mod core_path;
mod errors;
mod fallback;
mod generator;
mod item;
mod middleware;
mod on;
mod patterns;
mod pipeline;
mod selectors;
mod serde_derive;
mod settings_derive;
mod signature;
mod spider;

use crawl_dsl::css as grammar;

use proc_macro::TokenStream;

/// Registers an async signal handler: `#[on(spider_opened)] async fn warm_up(crawler:
/// &Crawler) -> Result<()>`. Inside a `#[spider]` impl it marks a method of the spider.
#[proc_macro_attribute]
pub fn on(args: TokenStream, item: TokenStream) -> TokenStream {
    debug(on::expand(args.into(), item.into()))
}

/// Registers a downloader or spider middleware: a hook fn named after its hook
/// (`async fn process_request(request: &mut Request)`) or naming it
/// (`#[middleware(hook = process_request)] async fn add_header(..)`), or an impl block of hooks
/// with state: `#[middleware(order = 543)]`.
#[proc_macro_attribute]
pub fn middleware(args: TokenStream, item: TokenStream) -> TokenStream {
    debug(middleware::expand(args.into(), item.into()))
}

/// Registers an item pipeline: a typed `async fn process_item(item: T)`-like fn, or an impl
/// block with `open_spider`, `process_item` and `close_spider`: `#[pipeline(order = 300)]`.
#[proc_macro_attribute]
pub fn pipeline(args: TokenStream, item: TokenStream) -> TokenStream {
    debug(pipeline::expand(args.into(), item.into()))
}

/// Turns an impl block into a spider: checks its name, start URLs, settings, callbacks (and
/// the types of their arguments), errbacks and literal selectors while compiling, and
/// registers it with the engine. On a free `async fn NAME(response: Response)`, makes a
/// one-callback spider whose callback is the fn.
///
/// `#[spider(name = "quotes", start_urls = ["http://example.com/"], allowed_domains =
/// ["example.com"], args = ["tag"], settings(concurrent_requests = 32))]`
///
/// In a crate that depends on crawl-core under another name, `crate = path` (as serde's
/// `#[serde(crate = "...")]`) names it; `#[pipeline]`, `#[middleware]` and `#[on(signal, ..)]`
/// take it too: `#[spider(name = "quotes", crate = my_crawl)]`.
#[proc_macro_attribute]
pub fn spider(args: TokenStream, item: TokenStream) -> TokenStream {
    debug(spider::expand(args.into(), item.into()))
}

/// `#[derive(Serialize)]` for a crate that depends on crawl-core alone: serde's derive, with
/// every `#[serde(...)]` attribute, reached through crawl-core (the prelude exports it). In a
/// crate that renames crawl-core, `#[crawl(crate = path)]` on the type names it.
#[proc_macro_derive(Serialize, attributes(serde, crawl))]
pub fn derive_serialize(item: TokenStream) -> TokenStream {
    debug(serde_derive::expand(
        item.into(),
        serde_derive::Trait::Serialize,
    ))
}

/// `#[derive(Deserialize)]` for a crate that depends on crawl-core alone, as
/// `#[derive(Serialize)]`.
#[proc_macro_derive(Deserialize, attributes(serde, crawl))]
pub fn derive_deserialize(item: TokenStream) -> TokenStream {
    debug(serde_derive::expand(
        item.into(),
        serde_derive::Trait::Deserialize,
    ))
}

/// Declares a component's own settings: each named field of the struct is one setting, named
/// `PREFIX_FIELD`, with its default and its doc comment:
/// `#[derive(Settings)] #[settings(prefix = "MYPIPE")] struct MyPipeSettings { /// Items per
/// batch. #[setting(default = 10)] pub batch_size: usize }`. Implements `Default` and
/// `ComponentSettings`; set with `-s MYPIPE_BATCH_SIZE=20`, `CRAWL_MYPIPE_BATCH_SIZE=20` or a
/// spider's `settings(MyPipeSettings::batch_size = 20)`, read with
/// `crawler.settings().component::<MyPipeSettings>()`.
#[proc_macro_derive(Settings, attributes(settings, setting))]
pub fn derive_settings(item: TokenStream) -> TokenStream {
    debug(settings_derive::expand(item.into()))
}

/// Prints the expansion when `CRAWL_MACROS_DEBUG` is set.
fn debug(expanded: proc_macro2::TokenStream) -> TokenStream {
    if std::env::var_os("CRAWL_MACROS_DEBUG").is_some() {
        eprintln!("{expanded}");
    }
    expanded.into()
}

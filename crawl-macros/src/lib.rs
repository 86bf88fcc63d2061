//! Procedural macros of crawl. Use them through `crawl_core` (`use crawl_core::prelude::*`),
//! which re-exports them; they expand to paths under `::crawl_core::__private`.

#![deny(missing_docs)]

mod args;
mod callbacks;
mod core_path;
mod errors;
mod fallback;
mod generator;
mod selectors;
mod settings_table;
mod signature;
mod spider;

#[path = "../../crawl-core/src/selector/grammar.rs"]
#[allow(dead_code, missing_docs)]
mod grammar;

use proc_macro::TokenStream;

/// Turns an impl block into a spider: checks its name, start URLs, settings, callbacks and
/// literal selectors while compiling, and registers it with the engine.
///
/// `#[spider(name = "quotes", start_urls = ["http://example.com/"], allowed_domains =
/// ["example.com"], args = ["tag"], settings(concurrent_requests = 32))]`
#[proc_macro_attribute]
pub fn spider(args: TokenStream, item: TokenStream) -> TokenStream {
    let expanded = spider::expand(args.into(), item.into());
    if std::env::var_os("CRAWL_MACROS_DEBUG").is_some() {
        eprintln!("{expanded}");
    }
    expanded.into()
}

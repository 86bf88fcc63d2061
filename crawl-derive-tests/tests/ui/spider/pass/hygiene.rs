//! Expansions name only `::crawl_core::__private`, so shadowing common names breaks nothing,
//! and they compile under `#![deny(warnings)]`.
#![deny(warnings)]

use crawl_core::prelude::*;

#[allow(dead_code)]
type Result<T> = ::std::result::Result<T, ()>;
#[allow(dead_code)]
struct Box;
#[allow(dead_code)]
mod core {}
#[allow(dead_code)]
mod std {}
#[allow(dead_code)]
struct Arc;
#[allow(dead_code)]
struct Output;
#[allow(dead_code)]
struct Option;

#[derive(Serialize)]
struct Page {
    url: String,
}

#[derive(Default)]
struct Hygienic;

#[spider(name = "hygienic", start_urls = ["http://127.0.0.1:1/"])]
impl Hygienic {
    async fn parse(&self, response: Response) {
        yield_!(Page { url: response.url.to_string() });
    }
}

fn main() {}

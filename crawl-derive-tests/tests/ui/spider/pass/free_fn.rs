//! The short form: a free async fn is a one-callback spider named after the fn.
use crawl_core::prelude::*;

#[derive(Serialize)]
struct Title {
    title: String,
}

#[spider(name = "titles", start_urls = ["http://127.0.0.1:1/"])]
async fn titles(response: Response) {
    yield_!(Title { title: response.css("title::text").get().unwrap_or_default() });
    if let Some(next) = response.css("a.next::attr(href)").get() {
        yield_!(response.follow(next, titles));
    }
}

fn main() {
    let _spider: titles = titles;
}

use crawl_core::prelude::*;

#[spider(name = "titles", start_urls = ["http://127.0.0.1:1/"])]
async fn titles(response: Response) {
    if let Some(next) = response.css("a.next::attr(href)").get() {
        yield_!(response.follow(next, Self::titles));
    }
}

fn main() {}

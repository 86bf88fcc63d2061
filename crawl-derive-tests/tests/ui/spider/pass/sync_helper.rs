//! A sync method taking `&Response` is a helper, not a callback: only async fns are
//! callbacks, and a callback calls the helper.
#![deny(warnings)]

use crawl_core::prelude::*;

#[derive(Serialize)]
struct Page {
    title: String,
}

#[derive(Default)]
struct Titles;

#[spider(name = "titles", start_urls = ["http://127.0.0.1:1/"])]
impl Titles {
    fn title(&self, response: &Response) -> String {
        response.css("title::text").get().unwrap_or_default()
    }

    async fn parse(&self, response: Response) {
        yield_!(Page { title: self.title(&response) });
    }
}

fn main() {
    let request = Request::get("http://127.0.0.1:1/").unwrap();
    let url = request.url.clone();
    let body = "<title>Quotes</title>";
    let response = Response::new(request, url, Default::default(), Default::default(), body.into());
    assert_eq!(Titles.title(&response), "Quotes");
}

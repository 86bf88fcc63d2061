//! Every accepted callback form, several item types, settings of every type, arguments.
use crawl_core::prelude::*;

#[derive(Serialize)]
struct Quote {
    text: String,
}

#[derive(Serialize)]
struct Author {
    name: String,
}

#[derive(Default)]
struct Everything;

#[spider(
    name = "everything",
    start_urls = ["http://127.0.0.1:1/", "https://quotes.example/page/1/"],
    allowed_domains = ["127.0.0.1", "quotes.example"],
    args = ["tag", "limit"],
    settings(
        concurrent_requests = 32,
        download_delay = 1,
        randomize_download_delay = false,
        user_agent = "test",
        depth_priority = -1,
        httperror_allowed_codes = [404, 500],
    )
)]
impl Everything {
    async fn start_requests(&self, crawler: &Crawler) {
        for url in crawler.start_urls() {
            yield_!(Request::new(url.clone()).with_callback(Self::parse));
        }
    }

    async fn parse(&self, response: Response) {
        for quote in response.css("div.quote") {
            yield_!(Quote { text: quote.css("span.text::text").get().unwrap_or_default() });
        }
        yield_!(Author { name: "a".into() });
        yield_!(response.follow("/next/", Self::one_item));
        let page: u32 = "2".parse()?;
        yield_!(Request::get(format!("http://127.0.0.1:1/{page}"))?.with_callback(Self::many));
    }

    async fn one_item(&self, response: Response) -> Quote {
        Quote { text: response.text().to_owned() }
    }

    async fn fallible(&self, _response: Response, crawler: &Crawler) -> Result<Author> {
        Ok(Author { name: crawler.spider_name().to_owned() })
    }

    async fn maybe(&self, _response: Response) -> Option<Request> {
        None
    }

    async fn many(&self, _response: Response) -> Result<Vec<Quote>> {
        Ok(vec![])
    }

    async fn streamed(&self, _response: Response) -> impl Stream<Item = Quote> + Send {
        futures::stream::empty()
    }

    async fn nothing(&self, _response: Response) {}

    fn helper(&self) -> usize {
        Self::HELPER_CONST
    }

    const HELPER_CONST: usize = 1;
}

fn main() {}

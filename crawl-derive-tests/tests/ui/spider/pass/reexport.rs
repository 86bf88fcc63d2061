//! The attribute works under another name, through a re-export; `yield_!` needs no import
//! inside it.
mod framework {
    pub use crawl_core::spider as crawler_spider;
}

use crawl_core::Response;
use framework::crawler_spider;

#[derive(Default)]
struct Renamed;

#[crawler_spider(name = "renamed")]
impl Renamed {
    async fn parse(&self, response: Response) {
        yield_!(response.url.to_string());
    }
}

fn main() {}

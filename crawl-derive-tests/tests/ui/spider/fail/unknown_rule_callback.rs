use crawl_core::linkextractor::{LinkExtractor, Rule, Rules};
use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response) -> Result<Vec<Request>> {
        let rule = Rule::new(LinkExtractor::default()).with_callback(Self::parse_itme);
        Ok(Rules::new([rule], Self::parse).requests(&response))
    }

    async fn parse_item(&self, _response: Response) {}
}

fn main() {}

use crawl_core::linkextractor::{LinkExtractor, Rule, Rules};
use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response) -> Result<Vec<Request>> {
        Ok(self.rules()?.requests(&response))
    }

    async fn parse_item(&self, _response: Response) {}

    /// Rules declared on the spider.
    fn rules(&self) -> Result<Rules> {
        Ok(Rules::new(
            [
                Rule::new(LinkExtractor::builder().allow(r"/category/\w+").build()?),
                Rule::new(LinkExtractor::builder().allow(r"/item/\d{2,1}").build()?)
                    .with_callback(Self::parse_item),
            ],
            Self::parse,
        ))
    }
}

fn main() {}

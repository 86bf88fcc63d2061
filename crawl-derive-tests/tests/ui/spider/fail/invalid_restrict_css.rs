use crawl_core::linkextractor::LinkExtractor;
use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response) -> Result<usize> {
        let extractor = LinkExtractor::builder().restrict_css("div#main >").build()?;
        Ok(extractor.extract_links(&response).len())
    }
}

fn main() {}

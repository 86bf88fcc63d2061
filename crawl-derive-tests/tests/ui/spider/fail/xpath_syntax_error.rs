use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response) {
        for title in response.xpath("//h1[@class=").getall() {
            yield_!(title);
        }
    }
}

fn main() {}

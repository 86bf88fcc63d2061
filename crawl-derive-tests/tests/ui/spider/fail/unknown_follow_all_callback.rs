use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response) {
        for request in response.follow_all(response.css("li.next a"), Self::prase) {
            yield_!(request);
        }
    }
}

fn main() {}

use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response) {
        let links = response.css("a::attr(href)").getall();
        links.iter().for_each(|link| {
            yield_!(response.follow(link, Self::parse));
        });
    }
}

fn main() {}

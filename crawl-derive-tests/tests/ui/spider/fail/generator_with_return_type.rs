use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, response: Response) -> Vec<String> {
        yield_!(response.follow("/next/", Self::parse));
    }
}

fn main() {}

use crawl_core::prelude::*;

#[on(spider_closed, krate = crawl_core)]
async fn closed(reason: &str) {
    let _ = reason;
}

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, _response: Response) {}

    #[on(spider_opened, crate = crawl_core)]
    async fn opened(&self) {}
}

fn main() {}

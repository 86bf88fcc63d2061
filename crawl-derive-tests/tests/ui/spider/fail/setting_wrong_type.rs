use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s", settings(download_delay = "fast"))]
impl S {
    async fn parse(&self, _response: Response) {}
}

fn main() {}

use crawl_core::prelude::*;

#[derive(Default)]
struct S;

#[spider(name = "s", settings(download_delay = 1.0, download_delay = 2.0))]
impl S {
    async fn parse(&self, _response: Response) {}
}

fn main() {}

use crawl_core::prelude::*;

#[spider(name = "titles", start_urls = ["http://127.0.0.1:1/"])]
fn titles(_response: Response) {}

fn main() {}

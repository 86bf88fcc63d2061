use crawl_core::prelude::*;

#[spider(name = "titles", start_urls = ["http://127.0.0.1:1/"])]
async fn titles(_page: String) {}

fn main() {}

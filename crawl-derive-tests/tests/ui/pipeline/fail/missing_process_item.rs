use crawl_core::prelude::*;

#[derive(Serialize)]
struct Quote {
    text: String,
}

#[derive(Default)]
struct Save;

#[pipeline]
impl Save {
    async fn open_spider(&self) {}
}

fn main() {}

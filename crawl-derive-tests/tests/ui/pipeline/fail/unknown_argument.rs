use crawl_core::prelude::*;

#[derive(Serialize)]
struct Quote {
    text: String,
}

#[pipeline(ordr = 300)]
async fn normalize(item: Quote) -> Quote {
    item
}

fn main() {}

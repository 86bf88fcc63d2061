use crawl_core::prelude::*;

#[derive(Serialize)]
struct Quote {
    text: String,
}

#[pipeline]
fn normalize(item: Quote) -> Quote {
    item
}

fn main() {}

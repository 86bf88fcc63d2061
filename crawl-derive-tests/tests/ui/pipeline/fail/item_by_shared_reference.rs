use crawl_core::prelude::*;

#[derive(Serialize)]
struct Quote {
    text: String,
}

#[pipeline]
async fn normalize(item: &Quote) {
    let _ = item;
}

fn main() {}

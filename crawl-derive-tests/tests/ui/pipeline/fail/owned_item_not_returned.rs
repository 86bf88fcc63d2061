use crawl_core::prelude::*;

#[derive(Serialize)]
struct Quote {
    text: String,
}

#[pipeline]
async fn normalize(item: Quote) -> bool {
    !item.text.is_empty()
}

fn main() {}

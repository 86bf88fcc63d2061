use crawl_core::prelude::*;

#[derive(Serialize)]
struct Quote {
    text: String,
}

#[derive(Default)]
struct Save;

#[pipeline(order = 400)]
impl Save {
    async fn process_itme(&self, item: Quote) -> Quote {
        item
    }
}

fn main() {}

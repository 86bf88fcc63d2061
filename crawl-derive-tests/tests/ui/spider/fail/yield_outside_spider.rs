use crawl_core::prelude::*;

#[derive(Serialize)]
struct Quote {
    text: String,
}

fn not_a_callback() {
    yield_!(Quote { text: String::new() });
}

fn main() {
    not_a_callback();
}

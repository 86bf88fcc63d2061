use crawl_core::prelude::*;

#[on(spider_closed)]
async fn closed(reason: String) {
    let _ = reason;
}

fn main() {}

use crawl_core::prelude::*;

#[middleware(order = 543)]
async fn process_requets(request: &mut Request) {
    let _ = request;
}

fn main() {}

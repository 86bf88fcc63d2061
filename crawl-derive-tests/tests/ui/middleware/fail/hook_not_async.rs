use crawl_core::prelude::*;

#[middleware]
fn process_request(request: &mut Request) {
    let _ = request;
}

fn main() {}

use crawl_core::prelude::*;

#[middleware]
async fn process_request(request: Request) -> Request {
    request
}

fn main() {}

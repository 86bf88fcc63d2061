use crawl_core::prelude::*;

#[middleware]
async fn process_response(response: Response) -> Response {
    yield_!(response.url.to_string());
    response
}

fn main() {}

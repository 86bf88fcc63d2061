//! A middleware fn named freely, its hook given by `hook = ...`.
#![deny(warnings)]

use crawl_core::prelude::*;

#[middleware(hook = process_request, order = 543)]
async fn add_header(request: &mut Request) {
    request.headers.insert("x-crawled-by", "crawl".parse().unwrap());
}

#[middleware(hook = process_spider_output)]
async fn pass_through(outputs: OutputStream, origin: &Origin) {
    let mut outputs = outputs;
    while let Some(output) = outputs.next().await {
        let _ = origin.status;
        yield_!(output);
    }
}

#[middleware(hook = process_spider_input)]
fn accept(response: &Response) -> Result<()> {
    let _ = response;
    Ok(())
}

fn main() {}

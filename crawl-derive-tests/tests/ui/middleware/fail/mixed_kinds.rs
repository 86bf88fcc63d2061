use crawl_core::prelude::*;

#[derive(Default)]
struct Both;

#[middleware]
impl Both {
    async fn process_request(&self, request: &mut Request) {
        let _ = request;
    }

    async fn process_spider_output(&self, outputs: OutputStream) {
        let mut outputs = outputs;
        while let Some(output) = outputs.next().await {
            yield_!(output);
        }
    }
}

fn main() {}

//! `process_start` runs in Scrapy's order: the spider middleware with the highest order sees
//! the spider's start requests first, the lowest hands them to the engine (as
//! `process_spider_output`).

use crawl_core::demo_site::DemoSite;
use crawl_core::prelude::*;

mod common;

#[derive(Serialize)]
struct Marks {
    marks: Vec<String>,
}

#[derive(Default)]
struct StartOrder;

#[spider(name = "start_order")]
impl StartOrder {
    async fn parse(&self, response: Response) {
        let marks = response.meta().get("marks").cloned().unwrap_or_default();
        yield_!(Marks {
            marks: serde_json::from_value(marks).unwrap_or_default(),
        });
    }
}

/// Appends `name` to each start request's `marks` meta.
fn mark(output: Output, name: &str) -> Output {
    match output {
        Output::Request(mut request) => {
            let marks = request.meta.entry("marks").or_insert(serde_json::json!([]));
            marks.as_array_mut().unwrap().push(name.into());
            Output::Request(request)
        }
        other => other,
    }
}

#[middleware(name = "StartLow", order = 100, hook = process_start)]
async fn start_low(start: OutputStream) {
    let mut start = start;
    while let Some(output) = start.next().await {
        yield_!(mark(output, "low"));
    }
}

#[middleware(name = "StartHigh", order = 200, hook = process_start)]
async fn start_high(start: OutputStream) {
    let mut start = start;
    while let Some(output) = start.next().await {
        yield_!(mark(output, "high"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_highest_order_sees_the_start_requests_first() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("start_order", &site, "/", &[]).await;
    let marks: Vec<&serde_json::Value> = run.items.iter().map(|item| &item["marks"]).collect();
    assert_eq!(marks, [&serde_json::json!(["high", "low"])]);
}

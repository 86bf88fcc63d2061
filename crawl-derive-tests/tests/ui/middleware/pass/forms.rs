//! Every accepted middleware form.
use crawl_core::prelude::*;

mod downloader {
    use crawl_core::prelude::*;

    #[middleware(order = 543)]
    async fn process_request(request: &mut Request, crawler: &Crawler) -> Result<Option<Response>> {
        let _ = (request, crawler);
        Ok(None)
    }

    #[middleware]
    async fn process_response(response: Response) -> Response {
        response
    }

    #[middleware]
    async fn process_exception(request: &Request, error: &BoxError) -> Option<Request> {
        let _ = error;
        Some(request.clone().with_dont_filter())
    }
}

mod spider_side {
    use crawl_core::prelude::*;

    #[middleware(name = "Counter", order = 10)]
    async fn process_spider_output(outputs: OutputStream, origin: &Origin) {
        let mut outputs = outputs;
        while let Some(output) = outputs.next().await {
            let _ = origin.status;
            yield_!(output);
        }
    }

    #[middleware]
    async fn process_start(start: OutputStream) {
        let mut start = start;
        while let Some(output) = start.next().await {
            yield_!(output);
        }
    }

    #[middleware]
    fn process_spider_input(response: &Response) -> Result<()> {
        let _ = response;
        Ok(())
    }
}

#[derive(Default)]
struct Stateful {
    seen: std::sync::atomic::AtomicUsize,
}

#[middleware(order = 600)]
impl Stateful {
    async fn process_request(&self, request: &mut Request) {
        self.seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        request.headers.insert("x-seen", "1".parse().unwrap());
    }

    async fn process_response(&self, response: Response, crawler: &Crawler) -> Result<Response> {
        crawler.stats().inc("responses");
        Ok(response)
    }
}

fn main() {}

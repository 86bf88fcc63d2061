//! Every accepted signal handler form.
use crawl_core::prelude::*;

#[derive(Serialize)]
struct Quote {
    text: String,
}

#[on(engine_started)]
async fn started() {}

#[on(spider_opened)]
async fn opened(crawler: &Crawler) -> Result<()> {
    let _ = crawler;
    Ok(())
}

#[on(spider_closed)]
async fn closed(reason: &str, crawler: &Crawler) {
    let _ = (reason, crawler);
}

#[on(item_scraped)]
async fn any_item(item: &BoxedItem) {
    let _ = item.type_name();
}

#[on(item_scraped)]
async fn typed_item(item: &Quote) {
    let _ = &item.text;
}

#[on(item_dropped)]
async fn dropped(item: Option<&BoxedItem>, reason: &str) {
    let _ = (item, reason);
}

#[on(spider_error)]
async fn failed(url: &str, error: &BoxError) {
    let _ = (url, error);
}

#[on(request_scheduled)]
async fn scheduled(request: &Request) {
    let _ = request;
}

#[on(response_received)]
async fn received(response: &Response) {
    let _ = response.status;
}

#[derive(Default)]
struct S;

#[spider(name = "s")]
impl S {
    async fn parse(&self, _response: Response) {}

    #[on(spider_idle)]
    async fn idle(&self, crawler: &Crawler) {
        let _ = crawler;
    }
}

fn main() {}

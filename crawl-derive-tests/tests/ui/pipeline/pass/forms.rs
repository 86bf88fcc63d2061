//! Every accepted pipeline form.
use crawl_core::prelude::*;

#[derive(Serialize)]
struct Quote {
    text: String,
}

#[pipeline(order = 100)]
async fn by_value(item: Quote) -> Quote {
    item
}

#[pipeline(order = 110)]
async fn optional(item: Quote) -> Option<Quote> {
    (!item.text.is_empty()).then_some(item)
}

#[pipeline(order = 120, name = "fallible")]
async fn fallible(item: Quote, crawler: &Crawler) -> Result<Option<Quote>> {
    crawler.stats().inc("seen");
    Ok(Some(item))
}

#[pipeline(order = 130)]
async fn in_place(item: &mut Quote) {
    item.text.push('!');
}

#[pipeline(order = 140)]
async fn filter_in_place(item: &mut Quote) -> Result<bool> {
    Ok(!item.text.is_empty())
}

/// `DropItem` comes with the prelude and needs no conversion in a `Result<Option<T>>`.
#[pipeline(order = 150)]
async fn drops_with_reason(item: Quote) -> Result<Option<Quote>> {
    if item.text.is_empty() {
        return Err(DropItem::new("empty"));
    }
    Ok(Some(item))
}

#[derive(Default)]
struct Stateful {
    count: std::sync::atomic::AtomicUsize,
}

#[pipeline(order = 400)]
impl Stateful {
    async fn open_spider(&self, crawler: &Crawler) -> Result<()> {
        let _ = crawler;
        Ok(())
    }

    async fn process_item(&self, item: Quote) -> Result<Quote> {
        self.count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(item)
    }

    async fn close_spider(&self) {}

    fn helper(&self) -> usize {
        0
    }
}

fn main() {}

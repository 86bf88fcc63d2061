//! A component's own settings: declared with `#[derive(Settings)]`, set in a spider's
//! `settings(Type::field = value)` beside built-in ones, read typed from the crawler.
use crawl_core::prelude::*;

#[derive(Settings)]
#[settings(prefix = "MYPIPE")]
pub struct MyPipeSettings {
    /// Items written per batch.
    #[setting(default = 10)]
    pub batch_size: usize,
    /// Where batches go.
    #[setting(default = "batches")]
    pub folder: String,
    /// Seconds between two flushes.
    #[setting(default = 2.5)]
    pub interval: f64,
    /// Whether to compress.
    pub compress: bool,
}

#[pipeline]
async fn batch(item: Page, crawler: &Crawler) -> Page {
    let settings: MyPipeSettings = crawler.settings().component();
    let _ = (settings.batch_size, settings.folder, settings.interval, settings.compress);
    item
}

#[derive(Serialize)]
struct Page {
    url: String,
}

#[derive(Default)]
struct S;

#[spider(
    name = "s",
    settings(
        concurrent_requests = 4,
        MyPipeSettings::batch_size = 20,
        MyPipeSettings::folder = "out",
        MyPipeSettings::interval = 0.5,
        MyPipeSettings::compress = true,
    )
)]
impl S {
    async fn parse(&self, response: Response) -> Page {
        Page { url: response.url.to_string() }
    }
}

fn main() {}

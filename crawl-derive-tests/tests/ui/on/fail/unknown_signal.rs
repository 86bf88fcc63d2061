use crawl_core::prelude::*;

#[on(spider_opend)]
async fn warm_up(crawler: &Crawler) {
    let _ = crawler;
}

fn main() {}

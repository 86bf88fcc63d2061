use crawl_core::prelude::*;

#[on(spider_opened)]
fn warm_up(crawler: &Crawler) {
    let _ = crawler;
}

fn main() {}

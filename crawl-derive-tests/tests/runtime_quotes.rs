//! The quotes spider, as a user writes it, against the demo site: exact items and stats.

mod common;

use crawl_core::demo_site::{data, DemoSite};
use crawl_core::prelude::*;

#[derive(Serialize)]
struct Quote {
    text: String,
    author: String,
    tags: Vec<String>,
}

#[derive(Serialize)]
struct Author {
    name: String,
    born: String,
}

#[derive(Default)]
struct Quotes;

#[spider(name = "quotes")]
impl Quotes {
    async fn parse(&self, response: Response) {
        for quote in response.css("div.quote") {
            yield_!(Quote {
                text: quote.css("span.text::text").get().unwrap_or_default(),
                author: quote.css("small.author::text").get().unwrap_or_default(),
                tags: quote.css("a.tag::text").getall(),
            });
        }
        for href in response.css(".author + a::attr(href)").getall() {
            yield_!(response.follow(href, Self::parse_author));
        }
        if let Some(next) = response.css("li.next a::attr(href)").get() {
            yield_!(response.follow(next, Self::parse));
        }
    }

    async fn parse_author(&self, response: Response) -> Result<Author> {
        let name = response
            .css("h3.author-title::text")
            .get()
            .ok_or_else(|| anyhow::anyhow!("no name"))?;
        Ok(Author {
            name: name.trim().to_owned(),
            born: response
                .css(".author-born-date::text")
                .get()
                .unwrap_or_default(),
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotes_spider_scrapes_every_quote_and_author_once() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("quotes", &site, "/", &[]).await;

    let quotes = run.with_field("text");
    assert_eq!(quotes.len(), data::QUOTES);
    let mut scraped: Vec<String> = quotes
        .iter()
        .map(|q| q["text"].as_str().unwrap().to_owned())
        .collect();
    let mut expected: Vec<String> = data::quotes()
        .iter()
        .map(|q| format!("“{}”", q.text))
        .collect();
    scraped.sort();
    expected.sort();
    assert_eq!(scraped, expected);
    let first = data::quotes().first().unwrap();
    let item = quotes
        .iter()
        .find(|q| q["text"] == format!("“{}”", first.text))
        .unwrap();
    assert_eq!(item["author"], first.author);
    assert_eq!(item["tags"], serde_json::json!(first.tags));

    let authors = run.with_field("born");
    assert_eq!(authors.len(), data::AUTHOR_COUNT);
    for author in data::authors() {
        let found = authors.iter().find(|a| a["name"] == author.name).unwrap();
        assert_eq!(found["born"], author.born_date);
    }

    // 10 listing pages and 25 author pages; author links repeat across pages and are
    // downloaded once each.
    let pages = (data::PAGES + data::AUTHOR_COUNT) as i64;
    assert_eq!(
        run.stat("item_scraped_count"),
        (data::QUOTES + data::AUTHOR_COUNT) as i64
    );
    assert_eq!(run.stat("response_received_count"), pages);
    // Plus robots.txt, fetched once before anything else.
    assert_eq!(run.stat("downloader/response_status_count/200"), pages + 1);
    assert_eq!(run.stat("downloader/request_count"), pages + 1);
    assert_eq!(site.hits("/robots.txt"), 1);
    assert!(run.stat("dupefilter/filtered") > 0);
    assert_eq!(run.stat("request_depth_max"), data::PAGES as i64);
    assert_eq!(run.result.finish_reason, "finished");
    assert_eq!(run.result.stats["finish_reason"], "finished");
    assert!(run.result.stats["elapsed_time_seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(site.hits("/page/2/"), 1);
}

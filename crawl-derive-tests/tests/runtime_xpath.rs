//! Spiders that select with XPath against real servers on 127.0.0.1: the quotes of the demo
//! site (XPath and CSS chained both ways, `re_first` on XPath results), and an RSS feed and
//! a namespaced sitemap parsed as XML.

mod common;

use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use axum::Router;
use crawl_core::demo_site::{data, DemoSite};
use crawl_core::prelude::*;

#[derive(Serialize)]
struct Quote {
    text: Option<String>,
    author: Option<String>,
    slug: Option<String>,
    tags: Vec<String>,
    tag_count: Option<String>,
}

#[derive(Default)]
struct QuotesXPath;

#[spider(name = "quotes_xpath")]
impl QuotesXPath {
    async fn parse(&self, response: Response) {
        for quote in response.xpath("//div[has-class('quote')]") {
            yield_!(Quote {
                text: quote.xpath("span[@class='text']/text()").get(),
                author: quote.css("small.author").xpath("text()").get(),
                slug: quote
                    .xpath(".//a[starts-with(@href, '/author/')]/@href")
                    .re_first(r"/author/([^/]+)/")
                    .unwrap_or_default(),
                tags: quote
                    .xpath("div[@class='tags']")
                    .css("a.tag::text")
                    .getall(),
                tag_count: quote.xpath("count(.//a[@class='tag'])").get(),
            });
        }
        if let Some(next) = response.xpath("//li[@class='next']/a/@href").get() {
            yield_!(response.follow(next, Self::parse));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xpath_spider_scrapes_what_the_css_one_does() {
    let site = DemoSite::start().await.unwrap();
    let run = common::crawl("quotes_xpath", &site, "/", &[]).await;
    assert_eq!(run.items.len(), data::QUOTES);
    for expected in data::quotes() {
        let text = format!("“{}”", expected.text);
        let item = run
            .items
            .iter()
            .find(|q| q["text"] == text)
            .unwrap_or_else(|| panic!("missing {text}"));
        assert_eq!(item["author"], expected.author);
        assert_eq!(item["slug"], expected.author_slug);
        assert_eq!(item["tags"], serde_json::json!(expected.tags));
        assert_eq!(item["tag_count"], format!("{}.0", expected.tags.len()));
    }
    assert_eq!(run.stat("response_received_count"), data::PAGES as i64);
    assert_eq!(run.result.finish_reason, "finished");
}

const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>News</title>
<item><title>First</title><link>/story/1</link></item>
<item><title><![CDATA[Second & <b>bold</b>]]></title><link>/story/2</link></item>
</channel></rss>"#;

const SITEMAP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>http://127.0.0.1/a</loc><lastmod>2024-05-01</lastmod></url>
<url><loc>http://127.0.0.1/b</loc></url>
</urlset>"#;

#[derive(Serialize)]
struct Story {
    title: Option<String>,
    link: Option<String>,
}

#[derive(Serialize)]
struct Page {
    loc: String,
    dated: bool,
}

#[derive(Default)]
struct FeedXPath;

#[spider(name = "feed_xpath")]
impl FeedXPath {
    /// The feed is served as `application/rss+xml`: parsed as XML, so `<link>` holds text
    /// (in HTML it is a void element).
    async fn parse(&self, response: Response) {
        for item in response.xpath("//channel/item") {
            yield_!(Story {
                title: item.xpath("title/text()").get(),
                link: item.xpath("link/text()").get(),
            });
        }
        yield_!(response.follow("/sitemap.txt", Self::parse_sitemap));
    }

    /// The sitemap is served as `text/plain`: parsed as XML on request, its default
    /// namespace registered.
    async fn parse_sitemap(&self, response: Response) {
        let doc = response.xml();
        doc.register_namespace("sm", "http://www.sitemaps.org/schemas/sitemap/0.9");
        for url in doc.xpath("//sm:urlset/sm:url") {
            yield_!(Page {
                loc: url.xpath("sm:loc/text()").get().unwrap_or_default(),
                dated: url.xpath("boolean(sm:lastmod)").get().as_deref() == Some("1"),
            });
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_and_sitemaps_are_selected_as_xml() {
    let app = Router::new()
        .route(
            "/feed.xml",
            get(|| async { ([(CONTENT_TYPE, "application/rss+xml")], FEED) }),
        )
        .route(
            "/sitemap.txt",
            get(|| async { ([(CONTENT_TYPE, "text/plain")], SITEMAP) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let run = common::crawl_url("feed_xpath", &format!("http://{address}/feed.xml"), &[]).await;
    server.abort();
    let stories = run.with_field("title");
    assert_eq!(
        stories,
        [
            &serde_json::json!({"title": "First", "link": "/story/1"}),
            &serde_json::json!({"title": "Second & <b>bold</b>", "link": "/story/2"}),
        ]
    );
    let pages = run.with_field("loc");
    assert_eq!(
        pages,
        [
            &serde_json::json!({"loc": "http://127.0.0.1/a", "dated": true}),
            &serde_json::json!({"loc": "http://127.0.0.1/b", "dated": false}),
        ]
    );
    assert_eq!(run.result.finish_reason, "finished");
}

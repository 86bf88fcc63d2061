//! Feeds through the command line: JSON, JSON lines, CSV and XML written at once by one
//! crawl, `-o` appending (continuing each document) and `-O` overwriting, and feeds set in
//! code with the spider's `settings(feeds = ...)` or with `-s FEEDS=...`. Every file is read
//! back with a real parser (serde_json, csv, quick-xml).

mod common;

use std::path::{Path, PathBuf};

use crawl_core::cli::{self, CliConfig};
use crawl_core::demo_site::{data, DemoSite};
use crawl_core::prelude::*;
use crawl_core::CrawlResult;
use serde_json::{json, Map, Value};

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

/// The quotes spider of `runtime_quotes.rs`: every quote, then every author.
#[derive(Default)]
struct FeedsQuotes;

#[spider(name = "feeds_quotes")]
impl FeedsQuotes {
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

/// The quotes of the start page, into a CSV feed set in code (a relative path: the current
/// directory's).
#[derive(Default)]
struct FeedsInCode;

#[spider(
    name = "feeds_in_code",
    settings(feeds = r#"{"in-code/quotes.csv": {"format": "csv", "overwrite": true}}"#)
)]
impl FeedsInCode {
    async fn parse(&self, response: Response) {
        for quote in response.css("div.quote") {
            yield_!(Quote {
                text: quote.css("span.text::text").get().unwrap_or_default(),
                author: quote.css("small.author::text").get().unwrap_or_default(),
                tags: quote.css("a.tag::text").getall(),
            });
        }
    }
}

/// Quotes and authors the quotes spider scrapes.
const ITEMS: usize = data::QUOTES + data::AUTHOR_COUNT;

/// Runs `crawl SPIDER -a start_url=<site /> EXTRA...`.
async fn crawl(spider: &str, site: &DemoSite, extra: &[String]) -> CrawlResult {
    let mut args = vec![
        "test".to_owned(),
        "crawl".into(),
        spider.into(),
        "-a".into(),
        format!("start_url={}", site.url("/")),
        "-s".into(),
        "LOG_LEVEL=WARN".into(),
    ];
    args.extend(extra.iter().cloned());
    let result = cli::run(args, CliConfig::default())
        .await
        .expect("the crawl runs")
        .expect("a crawl returns a result");
    assert_eq!(result.finish_reason, "finished");
    result
}

/// `[flag, path]` for each of `paths`.
fn outputs(flag: &str, paths: &[&PathBuf]) -> Vec<String> {
    paths
        .iter()
        .flat_map(|path| [flag.to_owned(), path.display().to_string()])
        .collect()
}

fn read_json(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).expect("the file is one JSON array")
}

/// The header and the records of a CSV file.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let records = reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, records)
}

/// An element of an XML document.
#[derive(Debug, Default)]
struct Element {
    name: String,
    text: String,
    children: Vec<Element>,
}

/// The root element of an XML file, parsed with quick-xml (which checks that end tags
/// match); panics unless the file holds exactly one root element.
fn read_xml_root(path: &Path) -> Element {
    use quick_xml::events::Event;

    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut stack: Vec<Element> = Vec::new();
    let mut roots: Vec<Element> = Vec::new();
    let name_of = |name: quick_xml::name::QName| String::from_utf8(name.as_ref().to_vec()).unwrap();
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let mut close = |element: Element, stack: &mut Vec<Element>| match stack.last_mut() {
            Some(parent) => parent.children.push(element),
            None => roots.push(element),
        };
        match event {
            Event::Start(start) => stack.push(Element {
                name: name_of(start.name()),
                ..Element::default()
            }),
            Event::Empty(empty) => close(
                Element {
                    name: name_of(empty.name()),
                    ..Element::default()
                },
                &mut stack,
            ),
            Event::End(_) => {
                let element = stack.pop().expect("an open element");
                close(element, &mut stack);
            }
            Event::Text(text) => {
                if let Some(open) = stack.last_mut() {
                    open.text.push_str(&text.xml10_content().unwrap());
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().unwrap() {
                    Some(ch) => ch.to_string(),
                    None => match &*reference.decode().unwrap() {
                        "amp" => "&".to_owned(),
                        "lt" => "<".to_owned(),
                        "gt" => ">".to_owned(),
                        "quot" => "\"".to_owned(),
                        "apos" => "'".to_owned(),
                        other => panic!("unknown entity &{other};"),
                    },
                };
                stack.last_mut().unwrap().text.push_str(&resolved);
            }
            Event::Decl(_) => assert!(stack.is_empty() && roots.is_empty()),
            Event::Eof => break,
            other => panic!("unexpected XML event {other:?}"),
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    assert_eq!(roots.len(), 1, "one root element");
    roots.pop().unwrap()
}

/// The `<item>`s of an XML feed as JSON objects: an element with `<value>` children is an
/// array of their texts, any other its text.
fn read_xml(path: &Path) -> Vec<Value> {
    let root = read_xml_root(path);
    assert_eq!(root.name, "items");
    root.children
        .iter()
        .map(|item| {
            assert_eq!(item.name, "item");
            let fields = item.children.iter().map(|field| {
                let value = if field.children.is_empty() {
                    Value::String(field.text.clone())
                } else {
                    assert!(field.children.iter().all(|v| v.name == "value"));
                    field.children.iter().map(|v| json!(v.text)).collect()
                };
                (field.name.clone(), value)
            });
            Value::Object(fields.collect::<Map<String, Value>>())
        })
        .collect()
}

/// The first quote of the site as every format writes it.
fn first_quote() -> Value {
    let first = &data::quotes()[0];
    json!({
        "text": format!("“{}”", first.text),
        "author": first.author,
        "tags": first.tags,
    })
}

/// Checks the items of a JSON-like feed: `runs` crawls' worth of quotes and authors, the
/// first quote exactly, and the first author.
fn check_items(items: &[Value], runs: usize) {
    assert_eq!(items.len(), runs * ITEMS);
    let quotes: Vec<&Value> = items.iter().filter(|i| i.get("text").is_some()).collect();
    assert_eq!(quotes.len(), runs * data::QUOTES);
    let first = first_quote();
    assert_eq!(quotes.iter().filter(|q| ***q == first).count(), runs);
    let author = &data::authors()[0];
    let expected = json!({"name": author.name, "born": author.born_date});
    assert_eq!(items.iter().filter(|i| **i == expected).count(), runs);
}

/// Checks a CSV feed: one header (the first item's fields: a quote's), `runs` crawls' worth
/// of rows, the first quote exactly (tags joined with commas, as Scrapy); authors share no column with the
/// header, so their rows are empty.
fn check_csv(path: &Path, runs: usize) {
    let (header, records) = read_csv(path);
    assert_eq!(header, ["text", "author", "tags"]);
    assert_eq!(records.len(), runs * ITEMS);
    let first = &data::quotes()[0];
    let row = vec![
        format!("“{}”", first.text),
        first.author.to_owned(),
        first.tags.join(","),
    ];
    assert_eq!(records.iter().filter(|r| **r == row).count(), runs);
    let empty = records
        .iter()
        .filter(|r| r.iter().all(String::is_empty))
        .count();
    assert_eq!(empty, runs * data::AUTHOR_COUNT);
    let header_rows = records.iter().filter(|r| **r == header).count();
    assert_eq!(header_rows, 0, "no second header");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_crawl_writes_json_jsonl_csv_and_xml_at_once() {
    let site = DemoSite::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let [json, jsonl, csv, xml] =
        ["out.json", "out.jsonl", "out.csv", "out.xml"].map(|name| dir.path().join(name));
    let result = crawl(
        "feeds_quotes",
        &site,
        &outputs("-o", &[&json, &jsonl, &csv, &xml]),
    )
    .await;
    assert_eq!(result.stats["item_scraped_count"], ITEMS);
    assert_eq!(result.stats["feedexport/success_count/FileFeedStorage"], 4);

    check_items(&read_json(&json), 1);
    check_items(&common::read_jsonl(&jsonl), 1);
    check_csv(&csv, 1);
    check_items(&read_xml(&xml), 1);
    // Every format holds the same items in the same order.
    let json_items = read_json(&json);
    assert_eq!(common::read_jsonl(&jsonl), json_items);
    assert_eq!(read_xml(&xml), json_items);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dash_o_appends_to_each_document_and_dash_capital_o_overwrites() {
    let site = DemoSite::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let [json, jsonl, csv, xml] =
        ["out.json", "out.jsonl", "out.csv", "out.xml"].map(|name| dir.path().join(name));
    let all = [&json, &jsonl, &csv, &xml];
    crawl("feeds_quotes", &site, &outputs("-o", &all)).await;
    crawl("feeds_quotes", &site, &outputs("-o", &all)).await;

    // Appending continued each document: one JSON array, one CSV header, one <items>.
    check_items(&read_json(&json), 2);
    check_items(&common::read_jsonl(&jsonl), 2);
    check_csv(&csv, 2);
    check_items(&read_xml(&xml), 2);

    // -O starts the files afresh; the other formats keep both crawls.
    crawl("feeds_quotes", &site, &outputs("-O", &[&json, &csv])).await;
    check_items(&read_json(&json), 1);
    check_csv(&csv, 1);
    check_items(&common::read_jsonl(&jsonl), 2);
    check_items(&read_xml(&xml), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_from_the_dash_s_option() {
    let site = DemoSite::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // No extension: the format comes from the options.
    let path = dir.path().join("items");
    let feeds = json!({ path.display().to_string(): {"format": "jsonl"} });
    crawl(
        "feeds_quotes",
        &site,
        &["-s".to_owned(), format!("FEEDS={feeds}")],
    )
    .await;
    check_items(&common::read_jsonl(&path), 1);
}

/// The spider's `settings(feeds = ...)` writes its feed (relative to the current directory,
/// which this test alone changes: the other tests of this binary use absolute paths), next
/// to a `-o` feed from the command line; its `"overwrite": true` truncates it each crawl.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_set_in_the_spider_attribute_are_written() {
    let site = DemoSite::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let previous = std::env::current_dir().unwrap();
    std::env::set_current_dir(dir.path()).unwrap();
    let jsonl = dir.path().join("cli.jsonl");
    for _ in 0..2 {
        crawl("feeds_in_code", &site, &outputs("-o", &[&jsonl])).await;
    }
    std::env::set_current_dir(previous).unwrap();

    let page: Vec<&data::Quote> = data::quotes_on_page(1).unwrap().iter().collect();
    let expected: Vec<Vec<String>> = page
        .iter()
        .map(|q| {
            vec![
                format!("“{}”", q.text),
                q.author.to_owned(),
                q.tags.join(","),
            ]
        })
        .collect();
    let (header, mut records) = read_csv(&dir.path().join("in-code/quotes.csv"));
    assert_eq!(header, ["text", "author", "tags"]);
    records.sort();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(records, expected_sorted);
    // The command line's feed, appended to, holds both crawls.
    assert_eq!(common::read_jsonl(&jsonl).len(), 2 * data::QUOTES_PER_PAGE);
}

//! The baseline: the smallest honest program doing the spider's job with tokio, reqwest and
//! scraper directly. Breadth-first, a `HashSet` of seen URLs, at most `concurrency` requests
//! in flight, the same selectors, the same JSON lines.

use std::collections::{HashSet, VecDeque};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::OnceLock;

use scraper::{Html, Selector};
use tokio::task::JoinSet;
use url::Url;

use crate::spider::Quote;

struct Selectors {
    quote: Selector,
    text: Selector,
    author: Selector,
    tag: Selector,
    link: Selector,
}

fn selectors() -> &'static Selectors {
    static SELECTORS: OnceLock<Selectors> = OnceLock::new();
    SELECTORS.get_or_init(|| {
        let css = |query| Selector::parse(query).expect("valid selector");
        Selectors {
            quote: css("div.quote"),
            text: css("span.text"),
            author: css("small.author"),
            tag: css("a.tag"),
            link: css("a[href]"),
        }
    })
}

/// What one page gives.
struct Page {
    quotes: Vec<Quote>,
    links: Vec<Url>,
}

/// The first text child of the first match, as `::text` + `get()` does.
fn first_text(element: scraper::ElementRef<'_>, selector: &Selector) -> String {
    element
        .select(selector)
        .next()
        .and_then(|e| e.text().next())
        .unwrap_or_default()
        .to_owned()
}

async fn fetch(client: reqwest::Client, url: Url) -> anyhow::Result<Page> {
    let response = client.get(url.clone()).send().await?.error_for_status()?;
    let body = response.text().await?;
    let html = Html::parse_document(&body);
    let s = selectors();
    let quotes = html
        .select(&s.quote)
        .map(|quote| Quote {
            text: first_text(quote, &s.text),
            author: first_text(quote, &s.author),
            tags: quote
                .select(&s.tag)
                .filter_map(|tag| tag.text().next())
                .map(str::to_owned)
                .collect(),
        })
        .collect();
    let links = html
        .select(&s.link)
        .filter_map(|a| url.join(a.value().attr("href")?.trim()).ok())
        .collect();
    Ok(Page { quotes, links })
}

/// Crawls from `start`, writes every quote to `out`; returns the number of pages crawled.
pub async fn run(start: Url, concurrency: usize, out: &Path) -> anyhow::Result<u64> {
    let client = reqwest::Client::new();
    let mut feed = BufWriter::with_capacity(64 * 1024, File::create(out)?);
    let mut seen: HashSet<String> = HashSet::from([start.as_str().to_owned()]);
    let mut frontier = VecDeque::from([start]);
    let mut tasks = JoinSet::new();
    let mut pages = 0;
    loop {
        while tasks.len() < concurrency.max(1) {
            let Some(url) = frontier.pop_front() else {
                break;
            };
            tasks.spawn(fetch(client.clone(), url));
        }
        let Some(done) = tasks.join_next().await else {
            break;
        };
        match done? {
            Ok(page) => {
                pages += 1;
                for quote in page.quotes {
                    serde_json::to_writer(&mut feed, &quote)?;
                    feed.write_all(b"\n")?;
                }
                for mut link in page.links {
                    link.set_fragment(None);
                    if seen.insert(link.as_str().to_owned()) {
                        frontier.push_back(link);
                    }
                }
            }
            Err(error) => eprintln!("baseline: {error:#}"),
        }
    }
    feed.flush()?;
    Ok(pages)
}

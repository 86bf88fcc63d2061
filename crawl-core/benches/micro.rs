//! Micro-benchmarks of crawl's hot paths: fingerprints, the duplicate filter, the
//! scheduler, selectors, callback dispatch and item serialization.
//!
//! ```sh
//! cargo bench -p crawl-core --bench micro            # all of them
//! cargo bench -p crawl-core --bench micro -- select  # those whose name contains `select`
//! ```

use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use crawl_core::prelude::*;
use crawl_core::scheduler::{DupeFilter, Fingerprint, QueueOrder, Scheduler};
use crawl_core::selector::{Document, Query, XPath};
use crawl_core::{CrawlOptions, Spider};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use futures::StreamExt;
use http::{HeaderMap, HeaderValue, StatusCode};

/// A typical ~60-byte URL; `i` makes it unique.
fn url(i: usize) -> String {
    format!(
        "https://shop.example.com/catalog/c{:04}/product-{i:07}.html",
        i % 1000
    )
}

const WORDS: &[&str] = &[
    "world",
    "thinking",
    "change",
    "life",
    "love",
    "friends",
    "books",
    "reading",
    "truth",
    "humor",
    "miracle",
    "choices",
    "courage",
    "imagination",
    "wisdom",
    "music",
    "dreams",
];

fn words(out: &mut String, seed: usize, count: usize) {
    for k in 0..count {
        if k > 0 {
            out.push(' ');
        }
        out.push_str(WORDS[(seed * 31 + k * 7) % WORDS.len()]);
    }
}

/// A quotes-style page: `quotes` quotes (2 tags each), `links` more links, filler paragraphs.
fn page(quotes: usize, links: usize, filler: usize) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"UTF-8\"><title>Quotes</title></head>\n<body><div class=\"container\">\n",
    );
    for q in 0..quotes {
        html.push_str("<div class=\"quote\" itemscope><span class=\"text\">\u{201c}");
        words(&mut html, q, 30);
        let _ = write!(
            html,
            "\u{201d}</span>\n<span>by <small class=\"author\">Author {q}</small></span>\n\
             <div class=\"tags\">Tags: <a class=\"tag\" href=\"/tag/{a}/\">{a}</a> \
             <a class=\"tag\" href=\"/tag/{b}/\">{b}</a></div></div>\n",
            a = WORDS[q % WORDS.len()],
            b = WORDS[(q + 3) % WORDS.len()],
        );
    }
    html.push_str("<ul class=\"pager\">\n");
    for l in 0..links {
        let _ = writeln!(html, "<li><a href=\"/p/{l}\">Page {l}</a></li>");
    }
    html.push_str("</ul>\n");
    for p in 0..filler {
        html.push_str("<p class=\"filler\">");
        words(&mut html, p, 60);
        html.push_str(".</p>\n");
    }
    html.push_str("</div></body></html>\n");
    html
}

/// About 100 KB: 60 quotes, 200 links, filler.
fn page_100k() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        let mut filler = 0;
        loop {
            let html = page(60, 200, filler);
            if html.len() >= 100_000 {
                return html;
            }
            filler += 4;
        }
    })
}

/// About 8 KB: 3 quotes, 4 more links (10 in all), filler: one page of the macro benchmark.
fn page_8k() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| page(3, 4, 14))
}

fn fingerprints(c: &mut Criterion) {
    let mut group = c.benchmark_group("fingerprint");
    let plain = Request::get(url(42).as_str()).unwrap();
    group.bench_function("plain_url", |b| b.iter(|| black_box(&plain).fingerprint()));
    let query =
        Request::get("https://shop.example.com/search?q=shoes&sort=price&page=3&lang=en").unwrap();
    group.bench_function("url_with_query", |b| {
        b.iter(|| black_box(&query).fingerprint())
    });
    group.finish();

    let mut group = c.benchmark_group("dupefilter");
    const N: usize = 100_000;
    let prints: Vec<Fingerprint> = (0..N)
        .map(|i| Request::get(url(i).as_str()).unwrap().fingerprint())
        .collect();
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function("insert_100k_new", |b| {
        b.iter_batched_ref(
            DupeFilter::default,
            |filter| {
                for &print in &prints {
                    black_box(filter.seen_before(print));
                }
            },
            BatchSize::LargeInput,
        )
    });
    let mut full = DupeFilter::default();
    for &print in &prints {
        full.seen_before(print);
    }
    group.bench_function("check_100k_seen", |b| {
        b.iter(|| {
            for &print in &prints {
                black_box(full.seen_before(print));
            }
        })
    });
    group.finish();
}

fn scheduler(c: &mut Criterion) {
    let mut group = c.benchmark_group("scheduler");
    const N: usize = 10_000;
    let requests: Vec<Request> = (0..N)
        .map(|i| Request::get(url(i).as_str()).unwrap())
        .collect();
    group.throughput(Throughput::Elements(N as u64));
    for (name, order) in [("lifo", QueueOrder::Lifo), ("fifo", QueueOrder::Fifo)] {
        group.bench_function(format!("enqueue_then_drain_10k_{name}"), |b| {
            b.iter_batched(
                || requests.clone(),
                |requests| {
                    let mut scheduler = Scheduler::new(order, true);
                    for request in requests {
                        black_box(scheduler.enqueue(request));
                    }
                    while let Some(request) = scheduler.next_request() {
                        black_box(request);
                    }
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.bench_function("enqueue_10k_duplicates", |b| {
        let mut scheduler = Scheduler::new(QueueOrder::Lifo, true);
        for request in requests.clone() {
            scheduler.enqueue(request);
        }
        b.iter_batched(
            || requests.clone(),
            |requests| {
                for request in requests {
                    black_box(scheduler.enqueue(request));
                }
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn selectors(c: &mut Criterion) {
    let html = page_100k();
    let mut group = c.benchmark_group("selector_100kb");
    group.throughput(Throughput::Bytes(html.len() as u64));
    group.bench_function("document_parse", |b| {
        b.iter(|| Document::parse(black_box(html)))
    });
    group.throughput(Throughput::Elements(1));
    let doc = Document::parse(html);
    let quote = Query::new("div.quote").unwrap();
    let hrefs = Query::new("a::attr(href)").unwrap();
    let text = Query::new("span.text::text").unwrap();
    let author = Query::new("small.author::text").unwrap();
    let tags = Query::new("a.tag::text").unwrap();
    assert_eq!(doc.css_query(&quote).len(), 60);
    group.bench_function("css_query_div_quote", |b| {
        b.iter(|| doc.css_query(black_box(&quote)).len())
    });
    group.bench_function("css_query_a_attr_href_getall", |b| {
        b.iter(|| doc.css_query(black_box(&hrefs)).getall())
    });
    group.bench_function("css_str_a_attr_href_getall", |b| {
        b.iter(|| doc.css(black_box("a::attr(href)")).getall())
    });
    group.bench_function("quotes_fields_60", |b| {
        b.iter(|| {
            doc.css_query(&quote)
                .iter()
                .map(|q| {
                    (
                        q.css_query(&text).get(),
                        q.css_query(&author).get(),
                        q.css_query(&tags).getall(),
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    // The same work in XPath.
    let xquote = XPath::new("//div[@class='quote']").unwrap();
    let xhrefs = XPath::new("//a/@href").unwrap();
    let xtext = XPath::new("span[@class='text']/text()").unwrap();
    let xauthor = XPath::new("span/small[@class='author']/text()").unwrap();
    let xtags = XPath::new("div/a[@class='tag']/text()").unwrap();
    assert_eq!(doc.xpath_query(&xquote).len(), 60);
    assert_eq!(
        doc.xpath_query(&xhrefs).getall(),
        doc.css_query(&hrefs).getall()
    );
    group.bench_function("xpath_query_div_quote", |b| {
        b.iter(|| doc.xpath_query(black_box(&xquote)).len())
    });
    group.bench_function("xpath_query_a_href_getall", |b| {
        b.iter(|| doc.xpath_query(black_box(&xhrefs)).getall())
    });
    group.bench_function("xpath_str_a_href_getall", |b| {
        b.iter(|| doc.xpath(black_box("//a/@href")).getall())
    });
    group.bench_function("xpath_quotes_fields_60", |b| {
        b.iter(|| {
            doc.xpath_query(&xquote)
                .iter()
                .map(|q| {
                    (
                        q.xpath_query(&xtext).get(),
                        q.xpath_query(&xauthor).get(),
                        q.xpath_query(&xtags).getall(),
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    // The same work with scraper directly, for comparison.
    let html = scraper::Html::parse_document(html);
    let css = |query| scraper::Selector::parse(query).unwrap();
    let (quote, text, author, tag, link) = (
        css("div.quote"),
        css("span.text"),
        css("small.author"),
        css("a.tag"),
        css("a"),
    );
    let first_text = |e: scraper::ElementRef<'_>, s: &scraper::Selector| {
        e.select(s)
            .next()
            .and_then(|e| e.text().next())
            .map(str::to_owned)
    };
    group.bench_function("scraper_direct_a_href_getall", |b| {
        b.iter(|| {
            html.select(&link)
                .filter_map(|a| a.value().attr("href").map(str::to_owned))
                .collect::<Vec<_>>()
        })
    });
    group.bench_function("scraper_direct_quotes_fields_60", |b| {
        b.iter(|| {
            html.select(&quote)
                .map(|q| {
                    (
                        first_text(q, &text),
                        first_text(q, &author),
                        q.select(&tag)
                            .filter_map(|t| t.text().next().map(str::to_owned))
                            .collect::<Vec<_>>(),
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    group.finish();
}

/// Parse time against nesting depth (issue 9): with `HTML_MAXDEPTH` it grows as the page's
/// size (time per byte flat from 25,000 to 100,000 nested `<div>`s); scraper alone grows as
/// the square of the depth (`cargo bench -p crawl-core --bench micro -- parse_nested_divs`).
fn nesting(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_nested_divs");
    group.sample_size(10);
    for depth in [25_000, 50_000, 100_000] {
        let html = format!("{}x{}", "<div>".repeat(depth), "</div>".repeat(depth));
        group.throughput(Throughput::Bytes(html.len() as u64));
        group.bench_function(format!("capped_{depth}"), |b| {
            b.iter(|| Document::parse(black_box(&html)))
        });
    }
    // Uncapped, for the quadratic baseline: small depths only, it takes seconds past them.
    for depth in [2_500, 5_000, 10_000] {
        let html = format!("{}x{}", "<div>".repeat(depth), "</div>".repeat(depth));
        group.throughput(Throughput::Bytes(html.len() as u64));
        group.bench_function(format!("scraper_direct_{depth}"), |b| {
            b.iter(|| scraper::Html::parse_document(black_box(&html)))
        });
    }
    group.finish();
}

/// The benchmark's spider: yields each quote, follows each link.
#[derive(Default)]
struct QuotesSpider;

#[derive(Serialize)]
struct Quote {
    text: String,
    author: String,
    tags: Vec<String>,
}

#[spider(name = "micro_quotes")]
impl QuotesSpider {
    async fn parse(&self, response: Response) {
        for quote in response.css("div.quote") {
            yield_!(Quote {
                text: quote.css("span.text::text").get().unwrap_or_default(),
                author: quote.css("small.author::text").get().unwrap_or_default(),
                tags: quote.css("a.tag::text").getall(),
            });
        }
        for href in response.css("a::attr(href)").getall() {
            yield_!(response.follow(href, Self::parse));
        }
    }

    /// Touches nothing: dispatch and one item only.
    async fn constant(&self, _response: Response) {
        yield_!(Quote {
            text: String::new(),
            author: String::new(),
            tags: Vec::new(),
        });
    }
}

static CRAWLER: OnceLock<Crawler> = OnceLock::new();

/// Hands its `Crawler` out: a `Crawler` cannot be built outside crawl-core, so the
/// benchmark runs this spider (no requests) once and keeps its handle.
#[derive(Default)]
struct CrawlerCapture;

#[spider(name = "micro_capture")]
impl CrawlerCapture {
    async fn start_requests(&self, crawler: &Crawler) {
        let _ = CRAWLER.set(crawler.clone());
        if crawler.start_urls().is_empty() {
            return;
        }
        yield_!(Request::new(crawler.start_urls()[0].clone()));
    }

    async fn parse(&self, _response: Response) {}
}

fn crawler() -> Crawler {
    if let Some(crawler) = CRAWLER.get() {
        return crawler.clone();
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let spider: Arc<dyn Spider> = Arc::new(CrawlerCapture);
    runtime
        .block_on(crawl_core::crawl(spider, CrawlOptions::default()))
        .unwrap();
    CRAWLER.get().expect("the capture spider ran").clone()
}

fn response(body: &'static str) -> Response {
    let url = url::Url::parse("http://127.0.0.1:8000/p/1").unwrap();
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Response::new(
        Request::new(url.clone()),
        url,
        StatusCode::OK,
        headers,
        Bytes::from_static(body.as_bytes()),
    )
}

fn callbacks(c: &mut Criterion) {
    let crawler = crawler();
    let spider = Arc::new(QuotesSpider);
    let run = |callback: &Callback, response: Response| {
        let stream = spider.clone().call(callback, response, crawler.clone());
        futures::executor::block_on(stream.count())
    };
    let parse = Callback::from_static("parse");
    let constant = Callback::from_static("constant");
    assert_eq!(run(&parse, response(page_8k())), 3 + 10);
    let mut group = c.benchmark_group("callback");
    group.throughput(Throughput::Elements(1));
    group.bench_function("dispatch_one_item", |b| {
        b.iter_batched(
            || response(""),
            |r| run(&constant, r),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("quotes_page_8kb_preparsed", |b| {
        b.iter_batched(
            || {
                let r = response(page_8k());
                r.document();
                r
            },
            |r| run(&parse, r),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("quotes_page_8kb_with_parse", |b| {
        b.iter_batched(
            || response(page_8k()),
            |r| run(&parse, r),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn items(c: &mut Criterion) {
    let quote = || {
        Quote {
        text: "\u{201c}The world as we have created it is a process of our thinking. It cannot be changed without changing our thinking.\u{201d}".to_owned(),
        author: "Albert Einstein".to_owned(),
        tags: vec!["change".into(), "deep-thoughts".into(), "thinking".into(), "world".into()],
    }
    };
    let boxed = BoxedItem::new(quote());
    let typed = quote();
    let mut group = c.benchmark_group("item_json");
    group.throughput(Throughput::Elements(1));
    group.bench_function("boxed_item_to_vec", |b| {
        b.iter(|| serde_json::to_vec(black_box(&boxed)).unwrap())
    });
    group.bench_function("typed_struct_to_vec", |b| {
        b.iter(|| serde_json::to_vec(black_box(&typed)).unwrap())
    });
    group.finish();
}

criterion_group!(
    benches,
    fingerprints,
    scheduler,
    selectors,
    nesting,
    callbacks,
    items
);
criterion_main!(benches);

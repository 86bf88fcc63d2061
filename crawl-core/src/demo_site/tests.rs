use std::collections::HashSet;
use std::io::{Read, Write};

use super::data::{self, QUOTES_PER_PAGE};
use super::pages::escape;
use super::DemoSite;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn get(site: &DemoSite, path: &str) -> reqwest::Response {
    client().get(site.url(path)).send().await.expect("request")
}

async fn get_text(site: &DemoSite, path: &str) -> (u16, String) {
    let resp = get(site, path).await;
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("body"))
}

async fn get_json(site: &DemoSite, path: &str) -> serde_json::Value {
    let resp = get(site, path).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "content-type"), "application/json");
    serde_json::from_slice(&resp.bytes().await.expect("body")).expect("json")
}

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().expect("ascii header").to_string())
        .unwrap_or_default()
}

fn title_of(html: &str) -> &str {
    let start = html.find("<title>").expect("title") + "<title>".len();
    let end = html.find("</title>").expect("/title");
    &html[start..end]
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

#[test]
fn data_is_consistent() {
    let quotes = data::quotes();
    assert_eq!(quotes.len(), data::QUOTES);
    assert_eq!(quotes.len(), QUOTES_PER_PAGE * data::PAGES);
    assert!(quotes.len() >= 100);
    let texts: HashSet<_> = quotes.iter().map(|q| q.text.as_str()).collect();
    assert_eq!(texts.len(), quotes.len(), "quote texts are unique");

    let authors = data::authors();
    assert_eq!(authors.len(), data::AUTHOR_COUNT);
    assert!((20..=30).contains(&authors.len()));
    let slugs: HashSet<_> = authors.iter().map(|a| a.slug).collect();
    assert_eq!(slugs.len(), authors.len());
    for author in authors {
        assert!(quotes.iter().any(|q| q.author_slug == author.slug));
    }
    for quote in quotes {
        let author = data::author(quote.author_slug).expect("known author");
        assert_eq!(author.name, quote.author);
        assert!(!quote.tags.is_empty() && quote.tags.len() <= 4);
        assert!(quote.tags.iter().all(|t| data::TAGS.contains(t)));
    }
    assert_eq!(data::TAGS.len(), 15);
    for tag in data::TAGS {
        assert!(data::tag_pages(tag) >= 1, "tag {tag} is used");
    }
    // No content changes under escaping, so extracted text equals the data.
    for quote in quotes {
        assert_eq!(escape(&quote.text), quote.text);
    }
    for author in authors {
        assert_eq!(escape(author.name), author.name);
        assert_eq!(escape(&author.description), author.description);
    }
    // Deterministic: pinned values guard against accidental changes of the generator.
    assert_eq!(
        quotes[0].text,
        "Life is a strange truth; shape it before it finds you."
    );
    assert_eq!(quotes[0].author_slug, "ada-whitfield");
    assert_eq!(
        data::author("niamh-osullivan").unwrap().born_date,
        "March 19, 1930"
    );
    assert_eq!(data::BOOK_PAGES.len(), 7);
    let links: usize = data::BOOK_PAGES.iter().map(|p| p.links()).sum();
    assert_eq!(links, 25);
}

#[test]
fn escape_escapes_markup() {
    assert_eq!(
        escape("<a href=\"x\">&'</a>"),
        "&lt;a href=&quot;x&quot;&gt;&amp;'&lt;/a&gt;"
    );
}

#[tokio::test]
async fn first_page_has_ten_quotes_and_next_link() {
    let site = DemoSite::start().await.unwrap();
    let (status, root) = get_text(&site, "/").await;
    assert_eq!(status, 200);
    let (_, page1) = get_text(&site, "/page/1/").await;
    assert_eq!(root, page1);
    assert_eq!(title_of(&page1), "Quotes to Scrape");
    assert_eq!(count(&page1, "<div class=\"quote\" itemscope>"), 10);
    for quote in data::quotes_on_page(1).unwrap() {
        assert!(page1.contains(&format!(
            "<span class=\"text\" itemprop=\"text\">“{}”</span>",
            quote.text
        )));
        assert!(page1.contains(&format!(
            "<small class=\"author\" itemprop=\"author\">{}</small>",
            quote.author
        )));
        assert!(page1.contains(&format!(
            "<a href=\"/author/{}/\">(about)</a>",
            quote.author_slug
        )));
        for tag in &quote.tags {
            assert!(page1.contains(&format!(
                "<a class=\"tag\" href=\"/tag/{tag}/page/1/\">{tag}</a>"
            )));
        }
    }
    assert!(page1.contains("<li class=\"next\"><a href=\"/page/2/\">Next →</a></li>"));
    assert!(!page1.contains("class=\"previous\""));
}

#[tokio::test]
async fn last_page_has_no_next_link_and_out_of_range_is_404() {
    let site = DemoSite::start().await.unwrap();
    let last = data::PAGES;
    let (status, html) = get_text(&site, &format!("/page/{last}/")).await;
    assert_eq!(status, 200);
    assert!(!html.contains("class=\"next\""));
    assert!(html.contains(&format!(
        "<li class=\"previous\"><a href=\"/page/{}/\">← Previous</a></li>",
        last - 1
    )));
    for bad in ["/page/0/", "/page/11/", "/page/abc/", "/page/-1/"] {
        assert_eq!(get(&site, bad).await.status(), 404, "{bad}");
    }
}

#[tokio::test]
async fn every_author_has_a_page() {
    let site = DemoSite::start().await.unwrap();
    for author in data::authors() {
        let (status, html) = get_text(&site, &format!("/author/{}/", author.slug)).await;
        assert_eq!(status, 200, "{}", author.slug);
        assert_eq!(title_of(&html), author.name);
        assert!(html.contains(&format!("<h3 class=\"author-title\">{}</h3>", author.name)));
        assert!(html.contains(&format!(
            "<span class=\"author-born-date\">{}</span>",
            author.born_date
        )));
        assert!(html.contains(&format!(
            "<span class=\"author-born-location\">in {}</span>",
            author.born_location
        )));
        assert!(html.contains(&format!(
            "<div class=\"author-description\">{}</div>",
            author.description
        )));
        let born = get(&site, &format!("/api/born?author={}", author.slug)).await;
        assert_eq!(born.status(), 200);
        assert!(header(&born, "content-type").starts_with("text/plain"));
        assert_eq!(born.text().await.unwrap(), author.born_date);
    }
    assert_eq!(get(&site, "/author/nobody/").await.status(), 404);
    assert_eq!(get(&site, "/api/born?author=nobody").await.status(), 404);
}

#[tokio::test]
async fn tag_pages_paginate() {
    let site = DemoSite::start().await.unwrap();
    for tag in data::TAGS {
        let tagged = data::quotes_with_tag(tag);
        let pages = data::tag_pages(tag);
        for page in 1..=pages {
            let (status, html) = get_text(&site, &format!("/tag/{tag}/page/{page}/")).await;
            assert_eq!(status, 200);
            let expected = (tagged.len() - (page - 1) * QUOTES_PER_PAGE).min(QUOTES_PER_PAGE);
            assert_eq!(count(&html, "<div class=\"quote\""), expected);
            assert_eq!(
                html.contains(&format!("href=\"/tag/{tag}/page/{}/\">Next", page + 1)),
                page < pages
            );
        }
        let over = format!("/tag/{tag}/page/{}/", pages + 1);
        assert_eq!(get(&site, &over).await.status(), 404);
    }
    assert!(data::TAGS.iter().any(|t| data::tag_pages(t) > 1));
    assert_eq!(get(&site, "/tag/nonexistent/page/1/").await.status(), 404);
}

#[tokio::test]
async fn robots_txt_and_private_page() {
    let site = DemoSite::start().await.unwrap();
    let resp = get(&site, "/robots.txt").await;
    assert_eq!(resp.status(), 200);
    assert!(header(&resp, "content-type").starts_with("text/plain"));
    let text = resp.text().await.unwrap();
    let sitemap = format!("Sitemap: {}\n", site.url(data::SITEMAP_INDEX));
    assert_eq!(text, format!("{}{sitemap}", data::ROBOTS_TXT));
    assert!(text.contains("User-agent: *"));
    assert!(text.contains("Disallow: /private/"));
    assert!(!text.to_ascii_lowercase().contains("crawl-delay"));
    assert_eq!(get(&site, data::PRIVATE_PAGE).await.status(), 200);
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let site = DemoSite::start().await.unwrap();
    for path in [
        "/nope",
        "/files/nope.png",
        "/book/nope.html",
        "/compressed/lzma",
    ] {
        let (status, html) = get_text(&site, path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(title_of(&html), "Not Found");
    }
}

#[tokio::test]
async fn status_endpoint() {
    let site = DemoSite::start().await.unwrap();
    for code in [200u16, 404, 418, 500, 503] {
        let resp = get(&site, &format!("/status/{code}")).await;
        assert_eq!(resp.status().as_u16(), code);
        assert!(resp.text().await.unwrap().contains(&code.to_string()));
    }
    assert_eq!(get(&site, "/status/204").await.status(), 204);
    assert_eq!(get(&site, "/status/99").await.status(), 400);
    assert_eq!(get(&site, "/status/abc").await.status(), 400);
}

#[tokio::test]
async fn flaky_fails_then_succeeds() {
    let site = DemoSite::start().await.unwrap();
    let statuses = [
        get(&site, "/flaky/a?fail=2").await.status(),
        get(&site, "/flaky/a?fail=2").await.status(),
        get(&site, "/flaky/a?fail=2").await.status(),
        get(&site, "/flaky/a?fail=2").await.status(),
    ];
    assert_eq!(statuses.map(|s| s.as_u16()), [503, 503, 200, 200]);
    // Counters are per key; `code` picks the failure status.
    assert_eq!(get(&site, "/flaky/b?code=500").await.status(), 500);
    assert_eq!(get(&site, "/flaky/b?code=500").await.status(), 200);
    assert_eq!(get(&site, "/flaky/c").await.status(), 503);
    assert_eq!(site.hits("/flaky/a"), 4);
}

#[tokio::test]
async fn throttled_returns_429_with_retry_after_then_200() {
    let site = DemoSite::start().await.unwrap();
    let first = get(&site, "/throttled/k?retry_after=7").await;
    assert_eq!(first.status(), 429);
    assert_eq!(header(&first, "retry-after"), "7");
    let second = get(&site, "/throttled/k?retry_after=7").await;
    assert_eq!(second.status(), 200);
    assert_eq!(header(&second, "retry-after"), "");
    let other = get(&site, "/throttled/other").await;
    assert_eq!(other.status(), 429);
    assert_eq!(header(&other, "retry-after"), "1");
}

fn decompress(encoding: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        "gzip" => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .unwrap();
        }
        "deflate" => {
            flate2::read::ZlibDecoder::new(body)
                .read_to_end(&mut out)
                .unwrap();
        }
        "br" => {
            brotli::Decompressor::new(body, 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        "zstd" => out = zstd::decode_all(body).unwrap(),
        _ => panic!("unknown encoding"),
    }
    out
}

#[tokio::test]
async fn compressed_endpoints_decompress_to_the_page() {
    let site = DemoSite::start().await.unwrap();
    let page = data::compressed_page();
    assert!((19_000..=22_000).contains(&page.len()));
    for encoding in ["gzip", "deflate", "br", "zstd"] {
        let resp = get(&site, &format!("/compressed/{encoding}")).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(header(&resp, "content-encoding"), encoding);
        assert!(header(&resp, "content-type").starts_with("text/html"));
        let raw = resp.bytes().await.unwrap();
        assert!(raw.len() < page.len() / 2, "{encoding} is compressed");
        let html = String::from_utf8(decompress(encoding, &raw)).unwrap();
        assert_eq!(html, page);
        assert_eq!(title_of(&html), data::COMPRESSED_TITLE);
    }
}

#[tokio::test]
async fn gzip_bomb_and_big_body() {
    let site = DemoSite::start().await.unwrap();
    let resp = get(&site, "/bomb/gzip?mb=4").await;
    assert_eq!(header(&resp, "content-encoding"), "gzip");
    let raw = resp.bytes().await.unwrap();
    assert!(raw.len() < 64 * 1024, "bomb body is small: {}", raw.len());
    let inflated = decompress("gzip", &raw);
    assert_eq!(inflated.len(), 4 * 1024 * 1024);
    assert!(inflated.iter().all(|&b| b == b' '));

    let resp = get(&site, "/big?mb=2").await;
    assert_eq!(
        header(&resp, "content-length"),
        (2 * 1024 * 1024).to_string()
    );
    assert!(header(&resp, "content-type").starts_with("text/plain"));
    assert_eq!(resp.bytes().await.unwrap().len(), 2 * 1024 * 1024);
}

#[tokio::test]
async fn cookies_set_and_echo() {
    let site = DemoSite::start().await.unwrap();
    let resp = get(&site, "/cookies/set?session=abc&lang=en").await;
    assert_eq!(resp.status(), 200);
    let set: Vec<_> = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert_eq!(set, ["session=abc; Path=/", "lang=en; Path=/"]);

    let resp = client()
        .get(site.url("/cookies/echo"))
        .header("cookie", "session=abc; lang=en")
        .send()
        .await
        .unwrap();
    let echoed: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(echoed, serde_json::json!({"session": "abc", "lang": "en"}));
    assert_eq!(
        get_json(&site, "/cookies/echo").await,
        serde_json::json!({})
    );
}

#[tokio::test]
async fn request_log_records_headers() {
    let site = DemoSite::start().await.unwrap();
    client()
        .get(site.url("/page/2/?x=1"))
        .header("User-Agent", "demo-test/1.0")
        .header("X-Custom", "Value")
        .send()
        .await
        .unwrap();
    get(&site, "/page/2/").await;
    get(&site, "/missing").await;
    assert_eq!(site.hits("/page/2/"), 2);
    assert_eq!(site.hits("/missing"), 1);
    let log = site.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/page/2/");
    assert_eq!(log[0].query.as_deref(), Some("x=1"));
    assert_eq!(log[1].query, None);
    assert_eq!(log[0].header("user-agent"), Some("demo-test/1.0"));
    assert!(log[0]
        .headers
        .contains(&("x-custom".to_string(), "Value".to_string())));
    assert_eq!(log[2].path, "/missing");
}

#[tokio::test]
async fn headers_and_echo() {
    let site = DemoSite::start().await.unwrap();
    let resp = client()
        .get(site.url("/headers"))
        .header("X-Thing", "1")
        .send()
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(json["x-thing"], "1");

    let resp = client()
        .post(site.url("/echo?a=b"))
        .header("X-Thing", "2")
        .body("hello")
        .send()
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(json["method"], "POST");
    assert_eq!(json["path"], "/echo");
    assert_eq!(json["query"], "a=b");
    assert_eq!(json["headers"]["x-thing"], "2");
    assert_eq!(json["body"], "hello");
    let put = client().put(site.url("/echo")).send().await.unwrap();
    let json: serde_json::Value = serde_json::from_slice(&put.bytes().await.unwrap()).unwrap();
    assert_eq!(json["method"], "PUT");
    assert_eq!(json["query"], serde_json::Value::Null);
}

#[tokio::test]
async fn redirects() {
    let site = DemoSite::start().await.unwrap();
    let resp = get(&site, "/redirect?to=/page/2/").await;
    assert_eq!(resp.status(), 302);
    assert_eq!(header(&resp, "location"), "/page/2/");
    assert_eq!(get(&site, "/redirect").await.status(), 400);

    let resp = get(&site, "/redirect/chain/3").await;
    assert_eq!(resp.status(), 302);
    assert_eq!(header(&resp, "location"), "/redirect/chain/2");
    let (status, html) = get_text(&site, "/redirect/chain/0").await;
    assert_eq!(status, 200);
    assert_eq!(title_of(&html), "Chain End");

    let resp = get(&site, "/redirect/loop").await;
    assert_eq!(resp.status(), 302);
    assert_eq!(header(&resp, "location"), "/redirect/loop");

    for code in [301u16, 302, 303, 307, 308] {
        let resp = get(&site, &format!("/redirect/code/{code}?to=/page/3/")).await;
        assert_eq!(resp.status().as_u16(), code);
        assert_eq!(header(&resp, "location"), "/page/3/");
    }
    assert_eq!(get(&site, "/redirect/code/300").await.status(), 400);

    let (status, html) = get_text(&site, "/meta-refresh?to=/page/4/").await;
    assert_eq!(status, 200);
    assert!(html.contains("<meta http-equiv=\"refresh\" content=\"0; url=/page/4/\">"));

    // A following client ends up on the target.
    let following = reqwest::Client::new();
    let resp = following
        .get(site.url("/redirect/chain/5"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.url().path(), "/redirect/chain/0");
    assert_eq!(site.hits("/redirect/chain/0"), 2);
}

#[tokio::test]
async fn slow_endpoint_waits() {
    let site = DemoSite::start().await.unwrap();
    let started = std::time::Instant::now();
    let (status, html) = get_text(&site, "/slow?ms=150").await;
    assert_eq!(status, 200);
    assert_eq!(title_of(&html), "Slow");
    assert!(started.elapsed() >= std::time::Duration::from_millis(150));
}

#[tokio::test]
async fn files_and_listing() {
    let site = DemoSite::start().await.unwrap();
    let (status, listing) = get_text(&site, "/files/").await;
    assert_eq!(status, 200);
    for name in data::FILE_NAMES {
        assert!(listing.contains(&format!("<a class=\"file\" href=\"/files/{name}\">")));
        let resp = get(&site, &format!("/files/{name}")).await;
        assert_eq!(resp.status(), 200);
        let expected = data::file(name).unwrap();
        assert_eq!(header(&resp, "content-type"), expected.content_type);
        let bytes = resp.bytes().await.unwrap();
        assert_eq!(&bytes[..], &expected.bytes[..]);
        if name.ends_with(".png") {
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
            assert!((1024..16 * 1024).contains(&bytes.len()));
        } else {
            assert!(bytes.starts_with(b"%PDF-"));
        }
    }
    assert_eq!(count(&listing, "class=\"file\""), data::FILE_NAMES.len());
}

#[tokio::test]
async fn book_pages_have_documented_links() {
    let site = DemoSite::start().await.unwrap();
    for page in data::BOOK_PAGES {
        let (status, html) = get_text(&site, page.path).await;
        assert_eq!(status, 200, "{}", page.path);
        assert_eq!(title_of(&html), page.title);
        assert_eq!(count(&html, "<a href"), page.links(), "{}", page.path);
        for href in page.hrefs {
            assert!(html.contains(&format!("<a href=\"{href}\">")));
        }
    }
    let resp = get(&site, "/book/").await;
    assert_eq!(resp.status(), 301);
    assert_eq!(header(&resp, "location"), "/book/index.html");
    let (_, offsite) = get_text(&site, "/offsite").await;
    assert!(offsite.contains("href=\"http://offsite.invalid/\""));
    assert!(offsite.contains("href=\"/page/1/\""));
}

#[tokio::test]
async fn url_joins_paths() {
    let site = DemoSite::start().await.unwrap();
    let base = format!("http://127.0.0.1:{}/", site.addr().port());
    assert_eq!(site.url(""), base);
    assert_eq!(site.url("/page/1/"), format!("{base}page/1/"));
    assert_eq!(site.url("page/1/"), format!("{base}page/1/"));
}

#[tokio::test]
async fn dropping_stops_the_task_server() {
    let site = DemoSite::start().await.unwrap();
    let addr = site.addr();
    assert_eq!(get(&site, "/").await.status(), 200);
    drop(site);
    // Fresh connections are refused once the listener is gone.
    let mut refused = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
    }
    assert!(refused);
}

/// Plain blocking HTTP/1.1 GET, to prove the background site works without any runtime.
fn blocking_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn start_in_background_works_from_sync_code() {
    let site = DemoSite::start_in_background().unwrap();
    let addr = site.addr();
    let response = blocking_get(addr, "/page/2/");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert_eq!(count(&response, "<div class=\"quote\""), QUOTES_PER_PAGE);
    assert!(blocking_get(addr, "/robots.txt").contains("Disallow: /private/"));
    assert_eq!(site.hits("/page/2/"), 1);
    assert_eq!(site.requests().len(), 2);

    // A keep-alive connection left open does not keep the server alive.
    let mut idle = std::net::TcpStream::connect(addr).unwrap();
    write!(idle, "GET / HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut buf = [0u8; 64];
    let n = idle.read(&mut buf).unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));

    drop(site);
    assert!(std::net::TcpStream::connect(addr).is_err());
}

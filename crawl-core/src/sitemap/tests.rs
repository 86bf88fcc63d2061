use std::io::Write;

use super::*;

fn response(url: &str, content_type: Option<&str>, body: Vec<u8>) -> Response {
    let mut headers = http::HeaderMap::new();
    if let Some(value) = content_type {
        headers.insert(http::header::CONTENT_TYPE, value.parse().unwrap());
    }
    Response::new(
        Request::get(url).unwrap(),
        url.parse().unwrap(),
        http::StatusCode::OK,
        headers,
        body.into(),
    )
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn sitemaps() -> Sitemaps {
    Sitemaps::new(Callback::PARSE, Callback::from_static("parse_page"))
}

fn seen(requests: impl Iterator<Item = Request>) -> Vec<(String, String)> {
    requests
        .map(|r| (r.url.to_string(), r.callback.name().to_owned()))
        .collect()
}

const URLSET: &str = r#"<urlset xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <url><loc>http://h/a</loc><lastmod>2024-03-01T10:00:00+00:00</lastmod>
    <xhtml:link rel="alternate" hreflang="de" href="http://h/de/a"/></url>
  <url><loc>http://h/shop/b</loc><lastmod>2023-12-31</lastmod></url>
  <url><loc>/relative</loc></url>
</urlset>"#;

#[test]
fn rules_pick_the_callback_and_filters_alternates_and_lastmod_apply() {
    let stats = Stats::default();
    let plain = response("http://h/sitemap.xml", None, URLSET.into());
    let all = sitemaps();
    assert_eq!(
        seen(all.requests(&plain, &stats)),
        [
            ("http://h/a".into(), "parse_page".into()),
            ("http://h/shop/b".into(), "parse_page".into()),
            ("http://h/relative".into(), "parse_page".into()),
        ]
    );
    let ruled = sitemaps()
        .rule("/shop/", Callback::from_static("parse_product"))
        .unwrap()
        .rule("/a$", Callback::from_static("parse_a"))
        .unwrap()
        .alternate_links(true);
    assert_eq!(
        seen(ruled.requests(&plain, &stats)),
        [
            ("http://h/a".into(), "parse_a".into()),
            ("http://h/de/a".into(), "parse_a".into()),
            ("http://h/shop/b".into(), "parse_product".into()),
        ]
    );
    // A catch-all rule of the user's own stays when more are added.
    let catch_all = sitemaps()
        .rule("", Callback::from_static("any"))
        .unwrap()
        .rule("/shop/", Callback::from_static("parse_product"))
        .unwrap();
    assert_eq!(
        seen(catch_all.requests(&plain, &stats))
            .iter()
            .map(|(_, cb)| cb.as_str())
            .collect::<Vec<_>>(),
        ["any", "any", "any"]
    );
    let error = sitemaps().follow("[a-").unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid regular expression `[a-`: unclosed character class"
    );
    assert_eq!(error.kind(), "Regex");
    let recent = sitemaps().alternate_links(true).lastmod_since("2024-01-01");
    assert_eq!(
        seen(recent.requests(&plain, &stats)),
        [
            ("http://h/a".into(), "parse_page".into()),
            ("http://h/de/a".into(), "parse_page".into()),
            ("http://h/relative".into(), "parse_page".into()),
        ]
    );
    assert!(stats.snapshot().is_empty());
}

#[test]
fn indexes_gzip_and_robots_lead_to_sitemaps_which_follow_filters() {
    let stats = Stats::default();
    let index = r#"<sitemapindex><sitemap><loc>http://h/s1.xml.gz</loc></sitemap>
        <sitemap><loc>http://h/news.xml</loc></sitemap></sitemapindex>"#;
    let gz = response(
        "http://h/index",
        Some("application/octet-stream"),
        gzip(index.as_bytes()),
    );
    assert_eq!(
        seen(sitemaps().requests(&gz, &stats)),
        [
            ("http://h/s1.xml.gz".into(), "parse".into()),
            ("http://h/news.xml".into(), "parse".into())
        ]
    );
    let only_news = sitemaps().follow("news").unwrap();
    assert_eq!(seen(only_news.requests(&gz, &stats)).len(), 1);
    let robots =
        "User-agent: *\nDisallow: /x\n  sitemap: /s.xml\nSITEMAP:http://o/t.xml\nSitemapx: no\n";
    let robots = response("http://h/robots.txt", Some("text/plain"), robots.into());
    assert_eq!(
        seen(sitemaps().requests(&robots, &stats)),
        [
            ("http://h/s.xml".into(), "parse".into()),
            ("http://o/t.xml".into(), "parse".into())
        ]
    );
}

#[test]
fn malformed_and_foreign_bodies_are_logged_and_counted_and_lose_nothing_read() {
    let stats = Stats::default();
    let broken = "<urlset><url><loc>http://h/1</loc></url><url><loc>http://h/2</lo";
    let broken = response("http://h/s.xml", None, broken.into());
    assert_eq!(seen(sitemaps().requests(&broken, &stats)).len(), 1);
    assert_eq!(stats.get_i64(MALFORMED_STAT), 1);
    let html = response(
        "http://h/page",
        Some("text/html"),
        b"<html></html>".to_vec(),
    );
    assert_eq!(sitemaps().requests(&html, &stats).count(), 0);
    let foreign = response(
        "http://h/feed.xml",
        None,
        b"<rss><url><loc>x</loc></url></rss>".to_vec(),
    );
    assert_eq!(sitemaps().requests(&foreign, &stats).count(), 0);
    assert_eq!(stats.get_i64(IGNORED_STAT), 2);
    let bomb = response("http://h/s.xml.gz", None, gzip(URLSET.as_bytes()));
    assert_eq!(sitemaps().max_size(64).requests(&bomb, &stats).count(), 0);
    assert_eq!(stats.get_i64(MALFORMED_STAT), 2);
}

#[test]
fn a_large_sitemap_streams_entry_by_entry() {
    let mut xml = String::from("<urlset>");
    for n in 0..50_000 {
        xml.push_str(&format!(
            "<url><loc>http://h/p/{n}</loc><lastmod>2024-01-01</lastmod></url>"
        ));
    }
    xml.push_str("</urlset>");
    let big = response("http://h/big.xml", None, xml.into());
    let sitemaps = sitemaps();
    let mut requests = sitemaps.requests(&big, &Stats::default());
    assert_eq!(requests.next().unwrap().url.as_str(), "http://h/p/0");
    assert_eq!(requests.count(), 49_999);
}

#[cfg(feature = "demo-site")]
/// Fetches `url` from the demo site into a crawl response.
async fn fetch(url: &url::Url) -> Response {
    let resp = reqwest::get(url.as_str()).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.unwrap();
    Response::new(
        Request::new(url.clone()),
        url.clone(),
        status,
        headers,
        body,
    )
}

#[cfg(feature = "demo-site")]
#[tokio::test]
async fn from_the_demo_sites_robots_txt_every_listed_page_is_reached_once() {
    use crate::demo_site::{data, DemoSite};
    let site = DemoSite::start().await.unwrap();
    let stats = Stats::default();
    let sitemaps = sitemaps();
    let mut queue = vec![Request::get(site.url("/robots.txt")).unwrap()];
    let mut pages = Vec::new();
    let mut fetched = 0;
    while let Some(request) = queue.pop() {
        fetched += 1;
        assert!(fetched <= 6, "more sitemaps than the demo site has");
        let response = fetch(&request.url).await;
        for next in sitemaps.requests(&response, &stats) {
            match next.callback.name() {
                "parse" => queue.push(next),
                _ => pages.push(next.url.path().to_owned()),
            }
        }
    }
    assert_eq!(fetched, 6);
    let expected: Vec<String> = data::sitemap_pages().into_iter().map(|p| p.path).collect();
    pages.sort();
    let mut sorted = expected.clone();
    sorted.sort();
    assert_eq!(pages, sorted);
    assert!(stats.snapshot().is_empty());
    let broken = fetch(&site.url(data::BROKEN_SITEMAP).parse().unwrap()).await;
    let listed: Vec<_> = sitemaps.requests(&broken, &stats).collect();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].url.path(), data::BROKEN_SITEMAP_PAGE);
    assert_eq!(stats.get_i64(MALFORMED_STAT), 1);
}

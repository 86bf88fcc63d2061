use super::rules::{LINK_TEXT_META, RULE_META};
use super::*;
use crate::{Callback, Request};

const PAGE: &str = r#"<html><head><base href="http://ex.com/base/"></head><body>
<div id="nav"><a href="page/2/"> Next </a><a href="/login" rel="nofollow noopener">Login</a></div>
<div id="content">
  <a href="http://sub.ex.com/item?id=3&a=1#frag">Item</a>
  <a href="http://other.org/x">Other</a>
  <a href="/doc.PDF">Doc</a>
  <a href="mailto:me@ex.com">Mail</a>
  <a href="javascript:void(0)">JS</a>
  <area href="/map" alt="map">
  <img src="/pic.html">
  <a href="page/2/">Again</a>
  <a>no href</a>
</div></body></html>"#;

fn response(html: &str) -> Response {
    let url = "http://ex.com/start";
    Response::new(
        Request::get(url).unwrap(),
        url.parse().unwrap(),
        http::StatusCode::OK,
        Default::default(),
        html.to_owned().into(),
    )
}

fn urls(extractor: &LinkExtractor, html: &str) -> Vec<String> {
    extractor
        .extract_links(&response(html))
        .into_iter()
        .map(|l| l.url.to_string())
        .collect()
}

#[test]
fn the_default_takes_a_and_area_hrefs_against_base_once_without_ignored_extensions() {
    let links = LinkExtractor::default().extract_links(&response(PAGE));
    let found: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
    assert_eq!(
        found,
        [
            "http://ex.com/base/page/2/",
            "http://ex.com/login",
            "http://sub.ex.com/item?id=3&a=1#frag",
            "http://other.org/x",
            "http://ex.com/map",
        ]
    );
    assert_eq!(links[0].text, "Next");
    assert!(!links[0].nofollow);
    assert!(links[1].nofollow);
    assert_eq!(links[2].fragment, "frag");
}

#[test]
fn allow_deny_and_domains_filter_urls() {
    let build = |b: LinkExtractorBuilder| b.build().unwrap();
    let allow = build(LinkExtractor::builder().allow(r"/page/\d+").allow(r"item"));
    assert_eq!(
        urls(&allow, PAGE),
        [
            "http://ex.com/base/page/2/",
            "http://sub.ex.com/item?id=3&a=1#frag"
        ]
    );
    let deny = build(LinkExtractor::builder().allow("ex").deny("login|item"));
    assert_eq!(
        urls(&deny, PAGE),
        ["http://ex.com/base/page/2/", "http://ex.com/map"]
    );
    let domains = build(
        LinkExtractor::builder()
            .allow_domains(["ex.com"])
            .deny_domains(["sub.ex.com"]),
    );
    assert_eq!(
        urls(&domains, PAGE),
        [
            "http://ex.com/base/page/2/",
            "http://ex.com/login",
            "http://ex.com/map"
        ]
    );
}

#[test]
fn restrict_xpaths_choose_regions_like_restrict_css() {
    let css = LinkExtractor::builder()
        .restrict_css("#nav")
        .build()
        .unwrap();
    let xpath = LinkExtractor::builder()
        .restrict_xpaths("//*[@id='nav']")
        .build()
        .unwrap();
    assert_eq!(urls(&xpath, PAGE), urls(&css, PAGE));
    assert!(!urls(&xpath, PAGE).is_empty());
    let error = LinkExtractor::builder()
        .restrict_xpaths("//nav[")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("xpath"), "{error}");
}

#[test]
fn restrict_css_tags_attrs_and_extensions_choose_where_links_come_from() {
    let nav = LinkExtractor::builder()
        .restrict_css("#nav")
        .build()
        .unwrap();
    assert_eq!(
        urls(&nav, PAGE),
        ["http://ex.com/base/page/2/", "http://ex.com/login"]
    );
    let images = LinkExtractor::builder()
        .tags(["img"])
        .attrs(["src"])
        .build()
        .unwrap();
    assert_eq!(urls(&images, PAGE), ["http://ex.com/pic.html"]);
    let pdfs = LinkExtractor::builder()
        .allow(r"(?i)\.pdf$")
        .deny_extensions(["zip"])
        .build()
        .unwrap();
    assert_eq!(urls(&pdfs, PAGE), ["http://ex.com/doc.PDF"]);
    let text = LinkExtractor::builder()
        .restrict_text("^(Item|Other)$")
        .build()
        .unwrap();
    assert_eq!(
        urls(&text, PAGE),
        ["http://sub.ex.com/item?id=3&a=1#frag", "http://other.org/x"]
    );
}

#[test]
fn canonicalize_unique_and_process_value_change_what_comes_out() {
    let html = r#"<a href="/p?b=2&a=1#x">1</a><a href="/p?a=1&b=2">2</a><a href="javascript:go('/q')">3</a>"#;
    let plain = LinkExtractor::default();
    assert_eq!(
        urls(&plain, html),
        ["http://ex.com/p?b=2&a=1#x", "http://ex.com/p?a=1&b=2"]
    );
    let canonical = LinkExtractor::builder().canonicalize(true).build().unwrap();
    assert_eq!(urls(&canonical, html), ["http://ex.com/p?a=1&b=2"]);
    let all = LinkExtractor::builder()
        .canonicalize(true)
        .unique(false)
        .build()
        .unwrap();
    assert_eq!(urls(&all, html).len(), 2);
    let js = LinkExtractor::builder()
        .process_value(|v| {
            let inner = v.strip_prefix("javascript:go('")?.strip_suffix("')")?;
            Some(inner.to_owned())
        })
        .build()
        .unwrap();
    assert_eq!(urls(&js, html), ["http://ex.com/q"]);
}

#[test]
fn invalid_patterns_and_selectors_are_errors_naming_them() {
    let error = LinkExtractor::builder()
        .allow("(")
        .build()
        .unwrap_err()
        .to_string();
    assert_eq!(error, "invalid regular expression `(`: unclosed group");
    let error = LinkExtractor::builder()
        .restrict_css("[")
        .build()
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("invalid selector"), "{error}");
}

#[test]
fn rules_take_links_in_order_once_and_follow_only_when_told() {
    let items = Callback::from_static("parse_item");
    let rules = Rules::new(
        [
            Rule::new(LinkExtractor::builder().allow("page").build().unwrap()),
            Rule::new(LinkExtractor::builder().allow("ex.com").build().unwrap())
                .with_callback(items.clone())
                .process_links(|links| links.into_iter().filter(|l| l.text != "Login").collect())
                .process_request(|r, _| (!r.url.as_str().contains("map")).then_some(r)),
        ],
        Callback::PARSE,
    );
    let start = response(PAGE);
    let requests = rules.requests(&start);
    let seen: Vec<(&str, &str, u64)> = requests
        .iter()
        .map(|r| {
            (
                r.url.as_str(),
                r.callback.name(),
                r.meta[RULE_META].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("http://ex.com/base/page/2/", "parse", 0),
            ("http://sub.ex.com/item?id=3&a=1#frag", "parse_item", 1),
        ]
    );
    assert_eq!(requests[0].meta[LINK_TEXT_META], "Next");
    // A page reached by the first rule is followed; one reached by the second is not.
    let reached = |request: &Request| {
        Response::new(
            request.clone(),
            request.url.clone(),
            http::StatusCode::OK,
            Default::default(),
            PAGE.into(),
        )
    };
    assert_eq!(rules.requests(&reached(&requests[0])).len(), 2);
    assert!(rules.requests(&reached(&requests[1])).is_empty());
    assert!(rules.rule_of(&start).is_none());
    assert!(!rules.rule_of(&reached(&requests[1])).unwrap().follows());
}

//! XPath against parsel's results on HTML and XML documents.

use std::sync::Arc;

use crate::selector::{Document, SelectorError, XPath};

const PAGE: &str = r#"<html><head><title>Quotes</title></head><body>
<div class="quote first" id="q1"><span class="text">“One”</span>
<small class="author">Ann</small> <a class="tag" href="/tag/a/">a</a><a class="tag" href="/tag/b/">b</a></div>
<div class="quote" id="q2"><span class="text">“Two”</span>
<small class="author">Bob</small> <a class="tag" href="/tag/c/">c</a></div>
<!-- a comment -->
<p>  lots   of
  space  </p>
<ul><li>1</li><li>2</li><li>3</li><li>4</li></ul>
<nav><li class="next"><a href="/page/2/">Next <b>→</b></a></li></nav>
</body></html>"#;

fn doc() -> Arc<Document> {
    Document::parse(PAGE)
}

fn all(doc: &Arc<Document>, xpath: &str) -> Vec<String> {
    doc.try_xpath(xpath)
        .unwrap_or_else(|e| panic!("{xpath}: {e}"))
        .getall()
}

fn one(doc: &Arc<Document>, xpath: &str) -> String {
    let found = all(doc, xpath);
    assert_eq!(found.len(), 1, "{xpath}: {found:?}");
    found.into_iter().next().unwrap_or_default()
}

#[test]
fn text_attributes_and_elements() {
    let doc = doc();
    assert_eq!(
        all(&doc, "//span[@class='text']/text()"),
        ["“One”", "“Two”"]
    );
    assert_eq!(
        all(&doc, "//a[@class='tag']/@href"),
        ["/tag/a/", "/tag/b/", "/tag/c/"]
    );
    assert_eq!(one(&doc, "//title"), "<title>Quotes</title>");
    assert_eq!(one(&doc, "//li[@class='next']/a/text()"), "Next ");
    // `//text()` under an element: every text node inside, in document order.
    assert_eq!(all(&doc, "//li[@class='next']//text()"), ["Next ", "→"]);
    assert_eq!(one(&doc, "//comment()"), "<!-- a comment -->");
    assert_eq!(all(&doc, "//div/@id"), ["q1", "q2"]);
    assert!(all(&doc, "//div/@missing").is_empty());
}

#[test]
fn scalar_results_read_as_parsel_gives_them() {
    let doc = doc();
    assert_eq!(one(&doc, "count(//a)"), "4.0");
    assert_eq!(one(&doc, "count(//div) > 1"), "1");
    assert_eq!(one(&doc, "count(//div) = 5"), "0");
    assert_eq!(one(&doc, "string(//small)"), "Ann");
    assert_eq!(one(&doc, "normalize-space(//p)"), "lots of space");
    assert_eq!(one(&doc, "string(//li[@class='next'])"), "Next →");
    assert_eq!(one(&doc, "1 div 4"), "0.25");
    assert_eq!(one(&doc, "7 mod 3 + 2 * 3 - -1"), "8.0");
    assert_eq!(one(&doc, "1 div 0"), "inf");
    assert_eq!(one(&doc, "0 div 0"), "nan");
    assert_eq!(one(&doc, "concat('a', 1, true())"), "a1true");
    assert_eq!(one(&doc, "string(1 div 4)"), "0.25");
    assert_eq!(one(&doc, "string(5)"), "5");
    assert_eq!(one(&doc, "sum(//ul/li)"), "10.0");
}

#[test]
fn string_functions() {
    let doc = doc();
    let cases = [
        ("substring('12345', 2, 3)", "234"),
        ("substring('12345', 1.5, 2.6)", "234"),
        ("substring('12345', 0, 3)", "12"),
        ("substring('12345', 0 div 0, 3)", ""),
        ("substring('12345', -42, 1 div 0)", "12345"),
        ("substring-before('1999/04/01', '/')", "1999"),
        ("substring-after('1999/04/01', '/')", "04/01"),
        ("translate('bar', 'abc', 'ABC')", "BAr"),
        ("translate('--aaa--', 'abc-', 'ABC')", "AAA"),
        ("string-length('héllo')", "5.0"),
        ("starts-with('crawl', 'cr')", "1"),
        ("contains('crawl', 'aw')", "1"),
        ("contains('crawl', 'x')", "0"),
        ("round(2.5)", "3.0"),
        ("round(-2.5)", "-2.0"),
        ("floor(-1.5)", "-2.0"),
        ("ceiling(1.1)", "2.0"),
        ("number('  12 ')", "12.0"),
        ("number('x')", "nan"),
        ("boolean('')", "0"),
        ("not(//nothing)", "1"),
        ("name(//div)", "div"),
        ("local-name(//a/@href)", "href"),
        ("namespace-uri(//div)", ""),
    ];
    for (xpath, expected) in cases {
        assert_eq!(one(&doc, xpath), expected, "{xpath}");
    }
}

#[test]
fn predicates_and_positions() {
    let doc = doc();
    assert_eq!(all(&doc, "//ul/li[2]/text()"), ["2"]);
    assert_eq!(all(&doc, "//ul/li[last()]/text()"), ["4"]);
    assert_eq!(all(&doc, "//ul/li[position() > 2]/text()"), ["3", "4"]);
    assert_eq!(
        all(&doc, "//ul/li[position() mod 2 = 0]/text()"),
        ["2", "4"]
    );
    // `//a[1]`: each first `a` child; `(//a)[1]`: the first `a` of the document.
    assert_eq!(all(&doc, "//a[1]/text()"), ["a", "c", "Next "]);
    assert_eq!(all(&doc, "(//a)[1]/text()"), ["a"]);
    assert_eq!(all(&doc, "(//a)[last()]/@href"), ["/page/2/"]);
    assert_eq!(all(&doc, "//div[a[@href='/tag/c/']]/@id"), ["q2"]);
    assert_eq!(all(&doc, "//div[contains(@class, 'first')]/@id"), ["q1"]);
    assert_eq!(all(&doc, "//div[starts-with(@id, 'q')][2]/@id"), ["q2"]);
    assert_eq!(all(&doc, "//ul/li[. = 3]/text()"), ["3"]);
    assert_eq!(all(&doc, "//ul/li[. > 2 and . < 4]/text()"), ["3"]);
    assert_eq!(all(&doc, "//ul/li[1][. = 2]"), Vec::<String>::new());
    assert_eq!(all(&doc, "//div[has-class('quote', 'first')]/@id"), ["q1"]);
    assert_eq!(all(&doc, "//div[has-class('quote')]/@id"), ["q1", "q2"]);
    assert_eq!(
        all(&doc, "//a[re:test(@href, '^/TAG/[ab]', 'i')]/text()"),
        ["a", "b"]
    );
    assert_eq!(all(&doc, "//*[@id='q2']/small/text()"), ["Bob"]);
    assert_eq!(all(&doc, "id('q2 q1')/@id"), ["q1", "q2"]);
}

#[test]
fn every_axis() {
    let doc = doc();
    let li = "//ul/li[3]";
    let cases: &[(&str, &[&str])] = &[
        ("child::text()", &["3"]),
        ("parent::*/@class", &[]),
        ("parent::ul/li[1]/text()", &["1"]),
        ("self::li/text()", &["3"]),
        ("following-sibling::li/text()", &["4"]),
        ("preceding-sibling::li/text()", &["1", "2"]),
        // Reverse axes count positions from the nearest node.
        ("preceding-sibling::li[1]/text()", &["2"]),
        ("ancestor::*[1]/li[4]/text()", &["4"]),
        ("ancestor-or-self::*[2]/li[1]/text()", &["1"]),
        ("following::a/@href", &["/page/2/"]),
        ("preceding::small/text()", &["Ann", "Bob"]),
        ("preceding::small[1]/text()", &["Bob"]),
        ("descendant::text()", &["3"]),
        ("descendant-or-self::li/text()", &["3"]),
        ("attribute::*", &[]),
        ("namespace::*", &[]),
    ];
    for (step, expected) in cases {
        let xpath = format!("{li}/{step}");
        assert_eq!(all(&doc, &xpath), *expected, "{xpath}");
    }
    assert_eq!(all(&doc, "name(//ul/ancestor::*[last()])"), ["html"]);
    assert_eq!(all(&doc, "count(//ul/ancestor::node())"), ["3.0"]);
    assert_eq!(
        all(&doc, "//small/following-sibling::a[1]/text()"),
        ["a", "c"]
    );
    assert_eq!(all(&doc, "//a/@href/parent::a/text()")[0], "a");
    assert_eq!(
        all(&doc, "//a[@href='/tag/b/']/@href/ancestor::div/@id"),
        ["q1"]
    );
    assert_eq!(
        all(&doc, "//a[@href='/tag/b/']/@href/following::a[1]/text()"),
        ["c"]
    );
    assert_eq!(all(&doc, "//div[1]/@*"), ["quote first", "q1"]);
}

#[test]
fn unions_and_comparisons() {
    let doc = doc();
    // A union is in document order, each node once.
    assert_eq!(
        all(&doc, "//small/text() | //span/text() | //small/text()"),
        ["“One”", "Ann", "“Two”", "Bob"]
    );
    assert_eq!(one(&doc, "//ul/li = 4"), "1");
    assert_eq!(one(&doc, "//ul/li = 5"), "0");
    assert_eq!(one(&doc, "//ul/li != 1"), "1");
    assert_eq!(one(&doc, "//ul/li = //ol/li"), "0");
    assert_eq!(one(&doc, "//div/@id = //div[2]/@id"), "1");
    assert_eq!(one(&doc, "//nothing = false()"), "1");
    assert_eq!(one(&doc, "'2' < 10"), "1");
    assert_eq!(one(&doc, "true() = 'x'"), "1");
}

#[test]
fn relative_queries_and_chaining() {
    let doc = doc();
    let quotes = doc.xpath("//div[@class and span]");
    assert_eq!(quotes.len(), 2);
    // parsel: relative paths start at each selection; `//` still searches the document.
    assert_eq!(quotes.xpath("small/text()").getall(), ["Ann", "Bob"]);
    assert_eq!(quotes.xpath(".//a/text()").getall(), ["a", "b", "c"]);
    assert_eq!(quotes.xpath("//small/text()").len(), 4);
    assert_eq!(quotes.xpath("count(a)").getall(), ["2.0", "1.0"]);
    // CSS then XPath, and back.
    assert_eq!(doc.css("div.quote").xpath("./a[2]/text()").getall(), ["b"]);
    assert_eq!(
        doc.xpath("//div[@id='q2']")
            .css("a.tag::attr(href)")
            .getall(),
        ["/tag/c/"]
    );
    assert_eq!(doc.css("nav").xpath(".//a").css("b::text").getall(), ["→"]);
    let first = doc.xpath("//div").first().cloned().unwrap();
    assert_eq!(first.xpath("@id").get().as_deref(), Some("q1"));
    assert_eq!(first.xpath("..").xpath("name()").getall(), ["body"]);
    // Results that are values do not select further, as in parsel.
    assert!(doc.xpath("//title/text()").xpath("..").is_empty());
    assert!(doc.xpath("//title/text()").css("*").is_empty());
    // The top-level context is the document element: `body` is relative to `<html>`.
    assert_eq!(all(&doc, "body/nav/li/@class"), ["next"]);
    assert_eq!(all(&doc, "name(.)"), ["html"]);
    assert!(all(&doc, "/")[0].starts_with("<html>"));
    assert_eq!(
        doc.xpath("/").xpath("html/head/title/text()").getall(),
        ["Quotes"]
    );
}

#[test]
fn re_and_re_first_on_xpath_results() {
    let doc = doc();
    let hrefs = doc.xpath("//a/@href");
    assert_eq!(hrefs.re(r"/tag/(\w)/").unwrap(), ["a", "b", "c"]);
    assert_eq!(hrefs.re_first(r"\d+").unwrap().as_deref(), Some("2"));
    let quote = doc.xpath("//div[@id='q1']").first().cloned().unwrap();
    assert_eq!(
        quote.re(r#"href="([^"]+)""#).unwrap(),
        ["/tag/a/", "/tag/b/"]
    );
    assert_eq!(
        doc.css("small")
            .xpath("text()")
            .re_first("B.b")
            .unwrap()
            .as_deref(),
        Some("Bob")
    );
}

#[test]
fn variables_are_bound_as_strings() {
    let doc = doc();
    let xpath = XPath::new("//div[@id=$id]/small/text()").unwrap();
    let found = doc.try_xpath_with(&xpath, &[("id", "q2")]).unwrap();
    assert_eq!(found.getall(), ["Bob"]);
    let quotes = doc.css("body");
    let found = quotes.try_xpath_with(&xpath, &[("id", "q1")]).unwrap();
    assert_eq!(found.getall(), ["Ann"]);
    let error = doc.try_xpath("//div[@id=$id]").unwrap_err();
    assert_eq!(
        error.to_string(),
        "xpath `//div[@id=$id]`: undefined variable `$id`"
    );
}

#[test]
fn errors_are_reported_not_panicked() {
    let doc = doc();
    let error = doc.try_xpath("//div[").unwrap_err();
    assert!(matches!(error, SelectorError::XPath(_)));
    assert_eq!(
        error.to_string(),
        "invalid xpath `//div[`: expected an expression, found end of input"
    );
    let error = doc.try_xpath("count('a')").unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid xpath `count('a')`: `count()` applies to a node-set, not to a string"
    );
    // A variable's type is known only when evaluating.
    let xpath = XPath::new("count($v)").unwrap();
    let error = doc.try_xpath_with(&xpath, &[("v", "x")]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "xpath `count($v)`: `count()` applies to a node-set, not to a string"
    );
    let error = doc.try_xpath("//s:url").unwrap_err();
    assert_eq!(
        error.to_string(),
        "xpath `//s:url`: undefined namespace prefix `s`"
    );
    let error = doc.try_xpath("//a[re:test(., '(')]").unwrap_err();
    assert!(
        error.to_string().contains("invalid regular expression"),
        "{error}"
    );
    let panic = std::panic::catch_unwind(|| doc.xpath("//a[")).unwrap_err();
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.starts_with("invalid xpath `//a[`"), "{message}");
}

const SITEMAP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url><loc>https://a.example/1</loc><lastmod>2024-01-02</lastmod>
    <image:image><image:loc>https://a.example/1.png</image:loc></image:image></url>
  <url><loc>https://a.example/2?x=1&amp;y=2</loc></url>
</urlset>"#;

#[test]
fn xml_namespaces_registered_or_removed() {
    let doc = Document::parse_xml(SITEMAP);
    assert!(doc.is_xml());
    // In XML an unprefixed name is in no namespace, as in lxml.
    assert!(all(&doc, "//url").is_empty());
    assert_eq!(one(&doc, "name(.)"), "urlset");
    assert_eq!(
        one(&doc, "namespace-uri(.)"),
        "http://www.sitemaps.org/schemas/sitemap/0.9"
    );
    doc.register_namespace("s", "http://www.sitemaps.org/schemas/sitemap/0.9");
    doc.register_namespace("i", "http://www.google.com/schemas/sitemap-image/1.1");
    assert_eq!(
        all(&doc, "//s:url/s:loc/text()"),
        ["https://a.example/1", "https://a.example/2?x=1&y=2"]
    );
    assert_eq!(all(&doc, "//i:loc/text()"), ["https://a.example/1.png"]);
    assert_eq!(all(&doc, "name(//i:image)"), ["image:image"]);
    assert_eq!(all(&doc, "count(//s:*)"), ["6.0"]);
    doc.remove_namespaces();
    assert_eq!(
        all(&doc, "//url/loc/text()"),
        ["https://a.example/1", "https://a.example/2?x=1&y=2"]
    );
    assert_eq!(all(&doc, "//image/loc/text()"), ["https://a.example/1.png"]);
    assert_eq!(
        all(&doc, "//url[lastmod]/loc/text()"),
        ["https://a.example/1"]
    );
    assert_eq!(doc.css("url > loc::text").getall().len(), 2);
}

#[test]
fn xml_keeps_case_cdata_entities_and_instructions() {
    let doc = Document::parse_xml(
        "<?xml version='1.0'?><?style href='a.css'?><Feed><Entry id='1'><Title><![CDATA[<b>x</b>]]></Title>\
         <link>https://a.example/</link><n>&#65;&lt;&#x42;</n><!--c--></Entry></Feed>",
    );
    assert_eq!(all(&doc, "//Entry/Title/text()"), ["<b>x</b>"]);
    assert!(all(&doc, "//entry").is_empty());
    // `link` is no void element in XML.
    assert_eq!(all(&doc, "//Entry/link/text()"), ["https://a.example/"]);
    assert_eq!(all(&doc, "//n/text()"), ["A<B"]);
    assert_eq!(all(&doc, "//comment()"), ["<!--c-->"]);
    assert_eq!(
        all(&doc, "/processing-instruction('style')"),
        ["<?style href='a.css'?>"]
    );
    assert_eq!(all(&doc, "//Entry/@id"), ["1"]);
}

#[test]
fn malformed_xml_is_recovered_or_reported() {
    let doc = Document::parse_xml("<a><b>one</c><b>two</b><d>&nope;</d>");
    assert_eq!(all(&doc, "//b/text()"), ["one", "two"]);
    assert_eq!(all(&doc, "//d/text()"), ["&nope;"]);
    let error = Document::try_parse_xml("<a><b>one</c></a>").unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid XML at byte 9: end tag `</c>` closes no open element"
    );
    let error = Document::try_parse_xml("<a>").unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid XML at byte 3: element `<a>` is not closed"
    );
    let error = Document::try_parse_xml("<a>&nope;</a>").unwrap_err();
    assert_eq!(error.message, "undefined entity `&nope;`");
    assert!(Document::try_parse_xml(SITEMAP).is_ok());
}

#[test]
fn an_xml_tree_is_charged_to_the_budget_and_cut_when_it_is_spent() {
    use crate::response::ResponseLimits;
    use crate::{Settings, Stats};
    let limits = |budget: u64| {
        ResponseLimits::new(
            &Settings {
                download_maxmemory: budget,
                ..Settings::default()
            },
            Stats::default(),
        )
    };
    let xml = format!(
        "<urlset>{}</urlset>",
        "<url><loc>x</loc></url>".repeat(5_000)
    );

    let roomy = limits(1 << 30);
    let parsed = Document::parse_xml_charged(&xml, Some(roomy.charge()));
    assert_eq!(parsed.over_budget, 0);
    assert_eq!(
        parsed.document.xpath("count(//loc)").get().as_deref(),
        Some("5000.0")
    );
    let held = roomy.in_use();
    assert!(held > 15_000 * 100, "each node is charged: {held} B");
    drop(parsed);
    assert_eq!(roomy.in_use(), 0, "the charge goes with the document");

    let tight = limits(1 << 20);
    let parsed = Document::parse_xml_charged(&xml, Some(tight.charge()));
    let kept = parsed.document.xpath("//url").len();
    assert!(kept > 0 && kept < 5_000, "a prefix is kept: {kept}");
    assert!(parsed.over_budget >= 1);
    assert!(tight.in_use() <= 1 << 20);
}

#[test]
fn html_is_the_tree_browsers_build() {
    let doc = Document::parse("<table><tr><td>1</td></tr></table>");
    // The implied `<tbody>` is there, as in browsers (lxml has none).
    assert!(all(&doc, "//table/tr").is_empty());
    assert_eq!(all(&doc, "//table//tr/td/text()"), ["1"]);
    assert_eq!(all(&doc, "name(//tr/..)"), ["tbody"]);
}

#[test]
fn responses_of_scrapys_xml_types_are_parsed_as_xml() {
    use crate::{Request, Response};
    let response = |content_type: &str| {
        let url = url::Url::parse("http://127.0.0.1/feed").unwrap();
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::CONTENT_TYPE, content_type.parse().unwrap());
        let body = bytes::Bytes::from_static(b"<rss><item><link>/a</link></item></rss>");
        Response::new(
            Request::new(url.clone()),
            url,
            http::StatusCode::OK,
            headers,
            body,
        )
    };
    for xml in [
        "application/rss+xml",
        "text/xml; charset=utf-8",
        "Application/XML",
    ] {
        let response = response(xml);
        assert!(response.document().is_xml(), "{xml}");
        assert_eq!(
            response.xpath("//item/link/text()").getall(),
            ["/a"],
            "{xml}"
        );
    }
    for html in ["text/html", "application/xhtml+xml", "image/svg+xml"] {
        let response = response(html);
        assert!(!response.document().is_xml(), "{html}");
        // In HTML `<link>` is a void element: its text lands after it.
        assert!(response.xpath("//item/link/text()").is_empty(), "{html}");
        assert_eq!(response.xml().xpath("//item/link/text()").getall(), ["/a"]);
    }
}

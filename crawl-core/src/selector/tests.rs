//! Tests of the selector module on a quotes page (expected values checked against parsel).

use std::sync::Arc;

use super::*;

mod depth;
mod errors;

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="UTF-8"><title>Quotes to Scrape</title>
<link rel="stylesheet" href="/static/main.css"></head>
<body>
<div class="container">
  <div class="row header-box"><h1><a href="/" style="text-decoration: none">Quotes to Scrape</a></h1></div>
  <div class="col-md-8">
    <div class="quote" itemscope itemtype="http://schema.org/CreativeWork">
      <span class="text" itemprop="text">“The world as we have created it is a process of our thinking.”</span>
      <span>by <small class="author" itemprop="author">Albert Einstein</small>
      <a href="/author/Albert-Einstein">(about)</a></span>
      <div class="tags">Tags:
        <a class="tag" href="/tag/change/page/1/">change</a>
        <a class="tag" href="/tag/deep-thoughts/page/1/">deep-thoughts</a>
      </div>
    </div>
    <div class="quote" itemscope itemtype="http://schema.org/CreativeWork">
      <span class="text" itemprop="text">“It is our choices, Harry, that show what we truly are.”</span>
      <span>by <small class="author" itemprop="author">J.K. Rowling</small>
      <a href="/author/J-K-Rowling">(about)</a></span>
      <div class="tags">Tags:
        <a class="tag" href="/tag/abilities/page/1/">abilities</a>
        <a class="tag" href="/tag/choices/page/1/">choices</a>
      </div>
    </div>
    <div class="quote" itemscope itemtype="http://schema.org/CreativeWork">
      <span class="text" itemprop="text">“A day without sunshine is like, you know, night.”</span>
      <span>by <small class="author" itemprop="author">Steve Martin</small>
      <a href="/author/Steve-Martin">(about)</a></span>
      <div class="tags">Tags: <a class="tag" href="/tag/humor/page/1/">humor</a></div>
    </div>
    <nav><ul class="pager">
      <li class="next"><a href="/page/2/">Next <span aria-hidden="true">&rarr;</span></a></li>
    </ul></nav>
  </div>
</div>
<p id="mixed">one <b>two</b> three <i>four <b>five</b></i> six</p>
</body></html>"#;

fn page() -> Arc<Document> {
    Document::parse(PAGE)
}

fn css(doc: &Arc<Document>, query: &str) -> Vec<String> {
    doc.try_css(query).unwrap().getall()
}

pub(super) fn query_error(query: &str) -> QueryError {
    match Query::new(query) {
        Err(SelectorError::Query(e)) => e,
        other => panic!("expected a query error for {query:?}, got {other:?}"),
    }
}

#[test]
fn text_and_attributes() {
    let doc = page();
    assert_eq!(
        css(&doc, "span.text::text")[1],
        "“It is our choices, Harry, that show what we truly are.”"
    );
    assert_eq!(css(&doc, "title::text"), ["Quotes to Scrape"]);
    assert_eq!(
        css(&doc, "small.author::text"),
        ["Albert Einstein", "J.K. Rowling", "Steve Martin"]
    );
    assert_eq!(css(&doc, "link::attr(href)"), ["/static/main.css"]);
    assert_eq!(css(&doc, "a.tag::attr(\"href\")").len(), 5);
    assert_eq!(
        doc.try_css("li.next a::attr(href)")
            .unwrap()
            .get()
            .as_deref(),
        Some("/page/2/")
    );
    assert_eq!(
        doc.try_css("li.next a").unwrap().attr("href").as_deref(),
        Some("/page/2/")
    );
    assert_eq!(
        doc.try_css("li.next a::text").unwrap().get().as_deref(),
        Some("Next ")
    );
    // Elements without the attribute are skipped.
    assert_eq!(css(&doc, "span::attr(class)"), ["text", "text", "text"]);
}

#[test]
fn nested_queries_on_each_quote() {
    let doc = page();
    let quotes = doc.try_css("div.quote").unwrap();
    assert_eq!(quotes.len(), 3);
    let mut seen = Vec::new();
    for quote in &quotes {
        let text = quote.try_css("span.text::text").unwrap().get().unwrap();
        let author = quote.try_css("small.author::text").unwrap().get().unwrap();
        let tags = quote.try_css("div.tags a.tag::text").unwrap().getall();
        let about = quote
            .try_css(".author + a::attr(href)")
            .unwrap()
            .get()
            .unwrap();
        seen.push((text.len() > 10, author, tags, about));
    }
    assert_eq!(seen[0].1, "Albert Einstein");
    assert_eq!(seen[0].2, ["change", "deep-thoughts"]);
    assert_eq!(seen[0].3, "/author/Albert-Einstein");
    assert_eq!(seen[1].2, ["abilities", "choices"]);
    assert_eq!(seen[2].1, "Steve Martin");
    assert_eq!(seen[2].2, ["humor"]);
    assert_eq!(seen[2].3, "/author/Steve-Martin");
    assert!(seen.iter().all(|s| s.0));
    // On a list: applied to each and concatenated.
    assert_eq!(quotes.try_css("a.tag::text").unwrap().len(), 5);
    assert_eq!(
        quotes.try_css("small::text").unwrap().getall()[2],
        "Steve Martin"
    );
}

#[test]
fn nested_queries_follow_descendant_or_self() {
    let doc = page();
    let quote = doc
        .try_css("div.quote")
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    // The element itself can match, as with parsel's `descendant-or-self::`.
    assert_eq!(quote.try_css("div").unwrap().len(), 2);
    assert_eq!(quote.try_css("div.quote span.text::text").unwrap().len(), 1);
    // The first compound must match inside: `body` is an ancestor.
    assert!(quote.try_css("body span").unwrap().is_empty());
    // A sibling combinator can leave the element, as in parsel.
    let next = quote.try_css("div.quote + div.quote small::text").unwrap();
    assert_eq!(next.getall(), ["J.K. Rowling"]);
    assert_eq!(quote.try_css(":scope > div a::text").unwrap().len(), 2);
}

#[test]
fn text_modes_match_parsel() {
    let doc = page();
    let mixed = doc.try_css("#mixed").unwrap();
    assert_eq!(css(&doc, "#mixed::text"), ["one ", " three ", " six"]);
    let all = ["one ", "two", " three ", "four ", "five", " six"];
    assert_eq!(css(&doc, "#mixed ::text"), all);
    assert_eq!(css(&doc, "#mixed *::text"), all);
    assert_eq!(mixed.try_css("::text").unwrap().getall(), all);
    assert_eq!(css(&doc, "#mixed > ::text"), ["two", "four "]);
    // Nested matches yield text in document order, each node once.
    assert_eq!(
        css(&doc, "#mixed b::text, #mixed i::text"),
        ["two", "four ", "five"]
    );
    assert_eq!(
        css(&doc, "#mixed ::text").concat(),
        mixed.first().unwrap().text()
    );
    assert_eq!(mixed.try_css("::attr(id)").unwrap().getall(), ["mixed"]);
}

#[test]
fn nested_matches_keep_document_order_without_duplicates() {
    let doc = Document::parse(
        r#"<div id="a" class="x">t1<div id="b" class="x">t2<p>t3</p>t4</div>t5</div><div id="c" class="x">t6</div>"#,
    );
    assert_eq!(css(&doc, "div::text"), ["t1", "t2", "t4", "t5", "t6"]);
    assert_eq!(
        css(&doc, "div ::text"),
        ["t1", "t2", "t3", "t4", "t5", "t6"]
    );
    assert_eq!(css(&doc, ".x ::attr(id)"), ["a", "b", "c"]);
    assert_eq!(css(&doc, "div > div::attr(id)"), ["b"]);
    let a = doc.try_css("#a").unwrap();
    assert_eq!(a.try_css("div::attr(id)").unwrap().getall(), ["a", "b"]);
    assert_eq!(a.try_css("div + div::attr(id)").unwrap().getall(), ["c"]);
    assert_eq!(
        a.try_css("::text").unwrap().getall(),
        ["t1", "t2", "t3", "t4", "t5"]
    );
    // scraper keeps attributes sorted by name (without its `deterministic` feature).
    assert!(doc.html().contains(r#"<div class="x" id="c">t6</div>"#));
}

#[test]
fn get_and_getall() {
    let doc = page();
    let tags = doc.try_css("a.tag").unwrap();
    assert_eq!(
        tags.get().as_deref(),
        Some(r#"<a class="tag" href="/tag/change/page/1/">change</a>"#)
    );
    let all = tags.getall();
    assert_eq!(all.len(), 5);
    assert!(all[4].contains(">humor<"));
    let names: Vec<_> = tags.iter().map(|t| t.text()).collect();
    assert_eq!(
        names,
        ["change", "deep-thoughts", "abilities", "choices", "humor"]
    );
    assert!(tags.first().unwrap().is_element());
    assert_eq!(
        doc.try_css("title::text")
            .unwrap()
            .first()
            .unwrap()
            .as_value(),
        Some("Quotes to Scrape")
    );
}

#[test]
fn missing_results() {
    let doc = page();
    let none = doc.try_css("div.nothing").unwrap();
    assert!(none.is_empty());
    assert_eq!(none.get(), None);
    assert_eq!(none.attr("href"), None);
    assert_eq!(none.re_first(r"\d").unwrap(), None);
    assert_eq!(doc.try_css("a::attr(data-missing)").unwrap().get(), None);
    assert_eq!(doc.try_css("div.quote").unwrap().attr("data-missing"), None);
    let value = doc.try_css("title::text").unwrap();
    assert!(value.try_css("b").unwrap().is_empty());
    assert_eq!(value.first().unwrap().attr("x"), None);
}

#[test]
fn regular_expressions() {
    let doc = page();
    let hrefs = doc.try_css("a.tag::attr(href)").unwrap();
    assert_eq!(
        hrefs.re(r"/tag/([\w-]+)/").unwrap(),
        ["change", "deep-thoughts", "abilities", "choices", "humor"]
    );
    assert_eq!(hrefs.re(r"page/\d").unwrap().len(), 5);
    assert_eq!(
        hrefs.re_first(r"/tag/(\w+)/page/(\d)").unwrap().as_deref(),
        Some("change")
    );
    assert_eq!(
        hrefs.re(r"/tag/(\w+)/page/(\d)").unwrap()[..2],
        ["change", "1"]
    );
    assert_eq!(hrefs.re(r"tag/(?P<extract>h\w+)").unwrap(), ["humor"]);
    let author = doc.try_css("small.author::text").unwrap();
    assert_eq!(
        author.re_first(r"\w+\.\w+\.").unwrap().as_deref(),
        Some("J.K.")
    );
    // On an element: its HTML, with `&quot;`-style references decoded.
    let next = doc.try_css("li.next").unwrap();
    assert_eq!(
        next.re_first(r#"href="([^"]+)""#).unwrap().as_deref(),
        Some("/page/2/")
    );
    assert_eq!(next.re(r"(→)").unwrap(), ["→"]);
    let err = hrefs.re("(unclosed").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid regular expression `(unclosed`: "),
        "{err}"
    );
    assert!(matches!(err, SelectorError::Regex { .. }));
}

#[test]
fn comma_groups() {
    let doc = page();
    assert_eq!(
        css(&doc, "link::attr(href), li.next a::attr(href)"),
        ["/static/main.css", "/page/2/"]
    );
    assert_eq!(
        css(&doc, "h1 a::text, title::text"),
        ["Quotes to Scrape", "Quotes to Scrape"]
    );
    let err = query_error("a::attr(href), span::text");
    assert_eq!(
        err.message,
        "every comma-separated selector must end in the same pseudo-element: `a::attr(href)` and `span::text` differ"
    );
    assert_eq!(err.offset, Some(15));
}

#[test]
fn parsed_queries() {
    let parsed = parse_query("span.text::text").unwrap();
    assert_eq!(
        (parsed.css.as_str(), &parsed.pseudo, parsed.subtree),
        ("span.text", &PseudoElement::Text, false)
    );
    let parsed = parse_query("*::attr(data-x)").unwrap();
    assert_eq!((parsed.css.as_str(), parsed.subtree), ("", true));
    assert_eq!(parsed.pseudo, PseudoElement::Attr("data-x".into()));
    assert!(parsed.selector.is_none());
    let parsed = parse_query("div > p").unwrap();
    assert_eq!(
        (parsed.css.as_str(), &parsed.pseudo),
        ("div > p", &PseudoElement::None)
    );
    assert!(parsed.scoped.is_some() && !parsed.sibling_combinator);
    let parsed = parse_query("a.tag").unwrap();
    assert!(parsed.scoped.is_none());
    assert!(parse_query(r#"a[title="x::text, y"]::text"#).is_ok());
    let query = Query::new("a::attr(href)").unwrap();
    assert_eq!(query.clone().as_str(), "a::attr(href)");
    assert_eq!(
        page().css_query(&query).len(),
        page().try_css("a").unwrap().len()
    );
}

#[test]
fn public_types_are_send_sync_static() {
    fn check<T: Send + Sync + 'static>() {}
    check::<Document>();
    check::<Arc<Document>>();
    check::<Query>();
    check::<Selection>();
    check::<SelectorList>();
    check::<SelectorError>();
    check::<QueryError>();
    check::<ParsedQuery>();
    check::<PseudoElement>();
    fn is_send<F: std::future::Future + Send>(_: F) {}
    is_send(async {
        let doc = page();
        let quotes = doc.try_css("div.quote").unwrap();
        std::future::ready(()).await;
        quotes.try_css("span::text").unwrap().getall()
    });
}

#[test]
fn shared_between_threads() {
    let doc = page();
    let quotes = doc.try_css("div.quote").unwrap();
    let handles: Vec<_> = quotes
        .into_iter()
        .map(|q| std::thread::spawn(move || q.try_css("small::text").unwrap().get().unwrap()))
        .collect();
    let authors: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(authors, ["Albert Einstein", "J.K. Rowling", "Steve Martin"]);
}

#[test]
fn large_generated_page() {
    let mut html = String::from("<html><body><ul id=\"items\">");
    let mut n = 0;
    while html.len() < 100 * 1024 {
        html.push_str(&format!(
            "<li class=\"item{}\"><a href=\"/item/{n}\">Item <b>{n}</b></a><span class=\"price\">${n}.99</span></li>\n",
            if n % 2 == 0 { " even" } else { "" }
        ));
        n += 1;
    }
    html.push_str("</ul></body></html>");
    let doc = Document::parse(&html);
    let items = doc.try_css("li.item").unwrap();
    assert_eq!(items.len(), n);
    assert_eq!(doc.try_css("li.even").unwrap().len(), n.div_ceil(2));
    let hrefs = doc.try_css("#items a::attr(href)").unwrap().getall();
    assert_eq!(hrefs.len(), n);
    assert_eq!(hrefs[n - 1], format!("/item/{}", n - 1));
    let prices = items
        .try_css("span.price::text")
        .unwrap()
        .re(r"\$(\d+)\.99")
        .unwrap();
    assert_eq!(prices.len(), n);
    assert_eq!(prices[7], "7");
    assert_eq!(
        doc.try_css("li:nth-child(3) b::text").unwrap().getall(),
        ["2"]
    );
    assert_eq!(doc.try_css("li.item a ::text").unwrap().len(), 2 * n);
}

/// The ids of `css` over the whole of `html`, read as stored (`in_order`) or by walking.
fn whole_document_hits(html: &Html, css: &str, in_order: bool) -> Vec<String> {
    let query = Query::new(css).unwrap();
    let mut hits = Vec::new();
    eval::select(html, in_order, None, query.parsed(), |hit| {
        hits.push(match hit {
            eval::Hit::Element(id) => {
                let element = scraper::ElementRef::wrap(html.tree.get(id).unwrap()).unwrap();
                element.value().attr("id").unwrap_or("?").to_owned()
            }
            eval::Hit::Value(value) => value.to_owned(),
        })
    });
    hits
}

#[test]
fn a_page_parsed_as_written_is_read_as_stored_with_the_same_results() {
    let html = Html::parse_document(PAGE);
    assert!(eval::stored_in_order(&html));
    for css in [
        "a::attr(href)",
        "div.quote",
        "span.text::text",
        "div ::text",
        "*",
    ] {
        assert_eq!(
            whole_document_hits(&html, css, true),
            whole_document_hits(&html, css, false),
            "{css}"
        );
    }
}

#[test]
fn repaired_markup_is_walked_in_document_order() {
    // Text and a cell misplaced in a table are moved before it (foster parenting), and a
    // misnested <b> is split (adoption agency): nodes are no longer stored in tree order.
    let foster = r#"<table id="t">stray<tr><td id="c1">1</td></tr><a id="moved">x</a></table><p id="after">"#;
    let html = Html::parse_document(foster);
    assert!(!eval::stored_in_order(&html));
    assert_eq!(
        whole_document_hits(&html, "[id]", false),
        ["moved", "t", "c1", "after"]
    );
    let doc = Document::parse(foster);
    let ids: Vec<String> = doc
        .css("[id]")
        .iter()
        .filter_map(|e| e.attr("id"))
        .collect();
    assert_eq!(ids, ["moved", "t", "c1", "after"]);

    let adoption = r#"<b id="b1"><p id="p1">x</b>y</p><i id="i1">z</i>"#;
    let html = Html::parse_document(adoption);
    assert!(!eval::stored_in_order(&html));
    let walked = whole_document_hits(&html, "[id]", false);
    let ids: Vec<String> = Document::parse(adoption)
        .css("[id]")
        .iter()
        .filter_map(|e| e.attr("id"))
        .collect();
    assert_eq!(ids, walked);
}

//! The nesting cap of `HTML_MAXDEPTH` (issue 9): deep pages are cut to the cap with their text
//! kept; pages within it parse exactly as without a cap.

use crate::selector::Document;

/// The deepest element's number of ancestors.
fn max_depth(document: &Document) -> usize {
    let html = document.lock();
    html.tree
        .nodes()
        .map(|node| node.ancestors().count())
        .max()
        .unwrap_or(0)
}

#[test]
fn deep_nesting_is_cut_to_the_cap_and_its_text_kept() {
    let depth = 100_000;
    let page = format!("{}bottom{}", "<div>".repeat(depth), "</div>".repeat(depth));
    let parsed = Document::parse_capped(&page, 512, None);
    // No element has more than 512 ancestors (the document, html, body, 509 divs); the
    // deepest text is one below.
    assert_eq!(max_depth(&parsed.document), 513);
    assert_eq!(parsed.document.css("div").len(), 510);
    assert_eq!(parsed.cut as usize, depth - 510);
    assert_eq!(parsed.document.css("div::text").getall(), ["bottom"]);
}

#[test]
fn end_tags_of_dropped_elements_are_dropped_too() {
    let page = format!(
        "{}<p>deep</p>{}<p id=after>after</p>",
        "<div>".repeat(1000),
        "</div>".repeat(1000)
    );
    let parsed = Document::parse_capped(&page, 50, None);
    // 48 divs kept (the 48th has 50 ancestors); the rest and the deep `<p>` are dropped, and
    // so are their end tags: the last `<p>` is still the body's child.
    assert_eq!(parsed.cut, 1000 - 48 + 1);
    assert_eq!(parsed.document.css("div::text").getall(), ["deep"]);
    assert_eq!(
        parsed.document.css("body > p#after::text").get().as_deref(),
        Some("after")
    );
}

#[test]
fn pages_within_the_cap_parse_as_without_one() {
    let nested = format!(
        "<table><tr><td>{}x{}</td></tr></table>",
        "<span><i>".repeat(100),
        "</i></span>".repeat(100)
    );
    // Unclosed `<p>`s and `<li>`s close each other: many start tags, little depth.
    let flat = format!(
        "<ul>{}</ul>{}",
        "<li>item".repeat(2000),
        "<p>para".repeat(2000)
    );
    for page in [nested, flat] {
        let capped = Document::parse_capped(&page, 512, None);
        assert_eq!(capped.cut, 0);
        assert_eq!(
            capped.document.html(),
            Document::parse_capped(&page, 0, None).document.html()
        );
    }
    let flat = Document::parse_capped(&"<p>para".repeat(2000), 64, None);
    assert_eq!((flat.cut, flat.document.css("p").len()), (0, 2000));
}

#[test]
fn void_and_self_closed_tags_do_not_count_as_nesting() {
    let page = format!("<div>{}</div>", "<br><img src=x><input>".repeat(5000));
    let parsed = Document::parse_capped(&page, 16, None);
    assert_eq!(parsed.cut, 0);
    assert_eq!(parsed.document.css("br").len(), 5000);
}

#[test]
fn the_tree_is_charged_to_the_budget_and_cut_when_it_is_spent() {
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
    let page = "<a>x</a>".repeat(10_000);

    let roomy = limits(1 << 30);
    let parsed = Document::parse_capped(&page, 512, Some(roomy.charge()));
    assert_eq!(parsed.over_budget, 0);
    assert_eq!(parsed.document.css("a").len(), 10_000);
    let held = roomy.in_use();
    assert!(held > 10_000 * 100, "each node is charged: {held} B");
    drop(parsed);
    assert_eq!(roomy.in_use(), 0, "the charge goes with the document");

    let tight = limits(1 << 20);
    let parsed = Document::parse_capped(&page, 512, Some(tight.charge()));
    let kept = parsed.document.css("a").len();
    assert!(kept > 0 && kept < 10_000, "a prefix is kept: {kept}");
    // Each kept link cost a tag and a text run; the first refused token and all after it
    // are dropped (one text run may be kept after the last tag).
    assert!(parsed.over_budget >= (10_000 - kept as u64) * 2 - 1);
    assert!(tight.in_use() <= 1 << 20);
}

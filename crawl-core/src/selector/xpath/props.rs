//! Property tests of XPath evaluation: no expression makes it panic, and generated queries
//! select what a generated page holds, as the equivalent CSS queries do.

use proptest::prelude::*;

use crate::selector::props::{entries, page_with, texts_and_keys};
use crate::selector::Document;

/// Text made of the pieces expressions are built from.
fn expr_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "li",
            "ul",
            "//",
            "/",
            ".",
            "..",
            "@",
            "*",
            "[",
            "]",
            "(",
            ")",
            "'x'",
            "1",
            "-1",
            "2.5",
            "1e9",
            ",",
            "|",
            "=",
            "!=",
            "<",
            ">=",
            "+",
            "-",
            " and ",
            " or ",
            " div ",
            " mod ",
            "::",
            "child",
            "ancestor",
            "preceding",
            "following-sibling",
            "text()",
            "node()",
            "comment()",
            "position()",
            "last()",
            "count(",
            "sum(",
            "substring(",
            "translate(",
            "round(",
            "string(",
            "id(",
            "lang(",
            "has-class(",
            "re:test(",
            "normalize-space(",
            "@data-k",
            "@class",
            " ",
        ]),
        0..14,
    )
    .prop_map(|parts| parts.concat())
}

fn page(entries: &[(usize, String, u32)]) -> String {
    page_with(entries, "<!--c--><p lang=\"en\">other</p>")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_expression_evaluates_or_fails_cleanly(expr in expr_text(), entries in entries()) {
        let doc = Document::parse(&page(&entries));
        if let Ok(found) = doc.try_xpath(&expr) {
            // Results chain without panicking either.
            let _ = found.try_xpath(&expr);
            let _ = found.getall();
        }
        let xml = Document::parse_xml(&page(&entries));
        let _ = xml.try_xpath(&expr);
    }

    #[test]
    fn generated_queries_select_what_css_selects(entries in entries(), class in 0..3usize) {
        let doc = Document::parse(&page(&entries));
        let (expected_texts, expected_keys) = texts_and_keys(&entries, class);
        let texts = doc.xpath(&format!("//li[@class='c{class}']/text()")).getall();
        prop_assert_eq!(&texts, &expected_texts);
        prop_assert_eq!(&texts, &doc.css(&format!("li.c{class}::text")).getall());
        let keys = doc.xpath(&format!("//ul/li[has-class('c{class}')]/@data-k")).getall();
        prop_assert_eq!(keys, expected_keys);
        prop_assert_eq!(doc.xpath("count(//li)").get(), Some(format!("{}.0", entries.len())));
        // Positions: the n-th `li` is the n-th entry, from either end.
        for (i, (_, text, _)) in entries.iter().enumerate() {
            let nth = doc.xpath(&format!("//ul/li[{}]/text()", i + 1)).getall();
            prop_assert_eq!(nth, vec![text.clone()]);
            let from_end = entries.len() - i;
            let back = doc.xpath(&format!("(//li)[last() - {}]/text()", from_end - 1)).getall();
            prop_assert_eq!(back, vec![text.clone()]);
        }
        // Relative to each `ul` (through CSS), the same texts.
        let relative = doc.css("ul").xpath(&format!("li[@class='c{class}']/text()")).getall();
        prop_assert_eq!(relative, doc.xpath(&format!("//li[@class='c{class}']/text()")).getall());
        // Siblings and the document order of unions.
        if entries.len() >= 2 {
            let after_first = doc.xpath("//li[1]/following-sibling::li").len();
            prop_assert_eq!(after_first, entries.len() - 1);
            let union = doc.xpath("//li[last()] | //li[1]").len();
            prop_assert_eq!(union, 2);
        }
    }
}

#[test]
fn the_deepest_expressions_evaluate() {
    let doc = Document::parse("<a><a><a>x</a></a></a>");
    let parens = format!("{}count(//a){}", "(".repeat(120), ")".repeat(120));
    assert_eq!(doc.xpath(&parens).get().as_deref(), Some("3.0"));
    let predicates = format!("//a{}", "[a".repeat(60) + &"]".repeat(60));
    assert!(doc.try_xpath(&predicates).unwrap().is_empty());
    let nested = format!("{}1{}", "(".repeat(200), ")".repeat(200));
    assert!(doc.try_xpath(&nested).is_err());
}

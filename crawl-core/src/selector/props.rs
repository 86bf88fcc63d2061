//! Property tests of the selector grammar: no query text makes it panic, an error points
//! inside the query, and generated queries select exactly what a generated page holds.

use proptest::prelude::*;

use super::Document;
use crawl_dsl::css::{parse_query, PseudoElement};

/// Text made of the characters queries are built from, and a few others.
fn query_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "a",
            "div",
            "p",
            ".",
            "#",
            "x",
            "-",
            "_",
            ":",
            "::",
            "text",
            "attr",
            "(",
            ")",
            "[",
            "]",
            "=",
            "\"",
            "'",
            " ",
            ",",
            ">",
            "+",
            "~",
            "*",
            "é",
            "\\",
            "nth-child(2n+1)",
        ]),
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

/// `(class, text, key)` of each `<li>` of a generated list.
pub(super) fn entries() -> impl Strategy<Value = Vec<(usize, String, u32)>> {
    prop::collection::vec(
        (0..3usize, "[a-zA-Z0-9][a-zA-Z0-9 ]{0,9}", any::<u32>()),
        0..8,
    )
}

fn page(entries: &[(usize, String, u32)]) -> String {
    page_with(entries, "<p>other</p>")
}

/// A page holding `entries` as a `<ul>`, followed by `after`.
pub(super) fn page_with(entries: &[(usize, String, u32)], after: &str) -> String {
    let items: String = entries
        .iter()
        .map(|(class, text, key)| format!("<li class=\"c{class}\" data-k=\"{key}\">{text}</li>"))
        .collect();
    format!("<html><body><ul>{items}</ul>{after}</body></html>")
}

/// The texts and the keys of the entries of class `class`, in order.
pub(super) fn texts_and_keys(
    entries: &[(usize, String, u32)],
    class: usize,
) -> (Vec<String>, Vec<String>) {
    let chosen: Vec<_> = entries.iter().filter(|(c, _, _)| *c == class).collect();
    let texts = chosen.iter().map(|(_, text, _)| text.clone()).collect();
    let keys = chosen.iter().map(|(_, _, key)| key.to_string()).collect();
    (texts, keys)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_query_parses_or_fails_with_an_offset_inside_it(query in query_text()) {
        match parse_query(&query) {
            Ok(parsed) => {
                let has_pseudo = parsed.pseudo != PseudoElement::None;
                prop_assert!(has_pseudo || !parsed.css.is_empty());
            }
            Err(error) => {
                prop_assert!(!error.message.is_empty());
                prop_assert!(error.offset.is_none_or(|at| at <= query.len()), "{:?}", error);
            }
        }
    }

    #[test]
    fn generated_queries_select_what_the_page_holds(entries in entries(), class in 0..3usize) {
        let doc = Document::parse(&page(&entries));
        let (expected_texts, expected_keys) = texts_and_keys(&entries, class);
        let texts = doc.css(&format!("li.c{class}::text")).getall();
        prop_assert_eq!(texts, expected_texts);
        let keys = doc.css(&format!("ul > li.c{class}::attr(data-k)")).getall();
        prop_assert_eq!(keys, expected_keys);
        prop_assert_eq!(doc.css("li").len(), entries.len());
        prop_assert_eq!(doc.css("ul ::text").len() + doc.css("p::text").len(), entries.len() + 1);
        // The same query relative to each `<ul>`: the same texts.
        let relative: Vec<String> = doc
            .css("ul")
            .iter()
            .flat_map(|list| list.css(&format!("li.c{class}::text")).getall())
            .collect();
        prop_assert_eq!(relative, doc.css(&format!("li.c{class}::text")).getall());
    }

    #[test]
    fn comma_groups_must_share_their_pseudo_element(tag in "[a-z]{1,6}", other in "[a-z]{1,6}") {
        let same = format!("{tag}::text, {other}::text");
        let bare = format!("{tag}::text, {other}");
        let mixed = format!("{tag}::attr(href), {other}::text");
        prop_assert!(parse_query(&same).is_ok());
        prop_assert!(parse_query(&bare).is_err());
        prop_assert!(parse_query(&mixed).is_err());
    }
}

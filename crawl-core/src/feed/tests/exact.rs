//! Each format, written in one crawl with several outputs, reads back to the exact values.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;

/// The four feeds of one crawl, written with [`items`].
fn export_all() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let names = ["items.json", "items.jsonl", "items.csv", "out/items.xml"];
    let specs: Vec<_> = names.iter().map(|name| spec(&dir, name, false)).collect();
    export(&specs, items(), true);
    dir
}

#[test]
fn json_and_json_lines_hold_every_field() {
    let dir = export_all();
    let expected: Vec<Value> = items().iter().map(BoxedItem::to_json).collect();
    assert_eq!(
        expected[0],
        json!({
            "title": title(1), "price": 13.5, "stock": 1, "tags": ["a,b", "x<y"], "isbn": null,
            "author": {"name": "Zoë \"Z\" O'Neil", "born": -50},
        })
    );
    assert_eq!(
        expected[1],
        json!({
            "title": title(1), "stars": 5, "text": "Line one,\nline two & <three>", "reply": null,
        })
    );
    assert_eq!(read_back(&dir.path().join("items.json")), expected);
    assert_eq!(read_back(&dir.path().join("items.jsonl")), expected);
    let text = std::fs::read_to_string(dir.path().join("items.jsonl")).unwrap();
    assert_eq!(text.lines().count(), 4);
    // Fields keep the order of the struct.
    assert!(
        text.starts_with(r#"{"title":"Book 1: She said \"hi\""#),
        "{text}"
    );
}

#[test]
fn csv_has_the_first_items_header_joined_lists_and_json_text_for_objects() {
    let dir = export_all();
    let text = std::fs::read_to_string(dir.path().join("items.csv")).unwrap();
    assert!(
        text.starts_with("title,price,stock,tags,isbn,author\n"),
        "{text}"
    );
    let rows = csv_rows(&text);
    let cells =
        |row: &Vec<(String, String)>| row.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let author = r#"{"name":"Zoë \"Z\" O'Neil","born":-50}"#;
    // Scrapy's CsvItemExporter joins a list of strings with `,` (issue 14).
    let tags = "a,b,x<y";
    assert_eq!(cells(&rows[0]), [&title(1), "13.5", "1", tags, "", author]);
    // A review has only `title` among the header's fields.
    assert_eq!(cells(&rows[1]), [&title(1), "", "", "", "", ""]);
    assert_eq!(
        cells(&rows[2]),
        [&title(2), "14.5", "2", tags, "isbn-2", author]
    );
    assert_eq!(cells(&rows[3]), [&title(2), "", "", "", "", ""]);
    assert_eq!(rows.len(), 4);
}

#[test]
fn xml_has_one_element_per_field_and_value_elements_for_lists() {
    let dir = export_all();
    let path = dir.path().join("out/items.xml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<items>\n<item><title>"));
    assert!(text.ends_with("</item>\n</items>\n"), "{text}");
    assert_eq!(
        text.matches("</item>\n<item>").count(),
        3,
        "a newline between items: {text}"
    );
    let author = json!({"name": "Zoë \"Z\" O'Neil", "born": "-50"});
    let expected = [
        json!({"title": title(1), "price": "13.5", "stock": "1", "tags": ["a,b", "x<y"],
               "isbn": "", "author": author}),
        json!({"title": title(1), "stars": "5", "text": "Line one,\nline two & <three>",
               "reply": ""}),
        json!({"title": title(2), "price": "14.5", "stock": "2", "tags": ["a,b", "x<y"],
               "isbn": "isbn-2", "author": author}),
        json!({"title": title(2), "stars": "5", "text": "Line one,\nline two & <three>",
               "reply": ""}),
    ];
    assert_eq!(read_back(&path), expected);
    // `None` is an empty element; the `\r` survives as a character reference.
    assert!(text.contains("<isbn/>") && text.contains("&#13;"), "{text}");
}

#[test]
fn items_that_are_not_structs() {
    let dir = tempfile::tempdir().unwrap();
    let names = ["bare.csv", "bare.xml", "bare.jsonl"];
    let specs: Vec<_> = names.iter().map(|name| spec(&dir, name, true)).collect();
    let map = BTreeMap::from([("1st", "a"), ("a b", "<&>"), ("ok", "\u{1}")]);
    let nested: Vec<Vec<u8>> = vec![vec![1, 2], vec![]];
    let items = vec![
        BoxedItem::new("just text, \"quoted\""),
        BoxedItem::new(map),
        BoxedItem::new(nested),
    ];
    export(&specs, items, true);

    let csv = std::fs::read_to_string(dir.path().join("bare.csv")).unwrap();
    let rows = csv_rows(&csv);
    let value = |row: &Vec<(String, String)>| {
        assert_eq!(row.len(), 1);
        assert_eq!(row[0].0, "value");
        row[0].1.clone()
    };
    assert_eq!(value(&rows[0]), "just text, \"quoted\"");
    assert_eq!(value(&rows[1]), "", "a map's fields are not in the header");
    assert_eq!(value(&rows[2]), "[[1,2],[]]");

    let xml = read_back(&dir.path().join("bare.xml"));
    assert_eq!(xml[0], json!({"value": "just text, \"quoted\""}));
    // Names are made valid; a control character XML cannot hold becomes U+FFFD.
    assert_eq!(xml[1], json!({"_1st": "a", "a_b": "<&>", "ok": "\u{fffd}"}));
    assert_eq!(xml[2], json!({"value": [["1", "2"], ""]}));

    let lines = read_back(&dir.path().join("bare.jsonl"));
    assert_eq!(lines[0], json!("just text, \"quoted\""));
    assert_eq!(lines[1], json!({"1st": "a", "a b": "<&>", "ok": "\u{1}"}));
}

#[test]
fn csv_joins_lists_of_strings_only() {
    let dir = TempDir::new().unwrap();
    let feed = spec(&dir, "lists.csv", true);
    let row = serde_json::json!({
        "tags": ["x", "y z"], "empty": [], "numbers": [1, 2], "mixed": ["a", 1]
    });
    export(&[feed], vec![BoxedItem::new(row)], true);
    let text = std::fs::read_to_string(dir.path().join("lists.csv")).unwrap();
    assert_eq!(
        text,
        "tags,empty,numbers,mixed\n\"x,y z\",,\"[1,2]\",\"[\"\"a\"\",1]\"\n"
    );
}

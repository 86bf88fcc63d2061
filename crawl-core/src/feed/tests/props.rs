//! Property tests of every feed writer: any item round-trips through JSON lines, JSON, CSV
//! and XML (read back with each format's real parser); a forced stop after any number of
//! items leaves a valid document; a file cut at any record boundary (a killed crawl) stays
//! readable line by line, and a later crawl appending to it makes one valid document.

use std::fs::OpenOptions;

use proptest::prelude::*;

use super::*;

/// A field value: text (any characters), numbers, booleans, null, lists of text, or an object
/// of text. Names are 1 to 4 letters, so none is XML's `value` (a list's entry).
fn value() -> impl Strategy<Value = Value> {
    let text = || any::<String>().prop_map(Value::from);
    let leaf = prop_oneof![
        3 => text(),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<bool>().prop_map(Value::from),
        1 => Just(Value::Null),
        1 => prop::collection::vec(any::<String>(), 0..3).prop_map(Value::from),
    ];
    let object = prop::collection::btree_map("[a-z]{1,4}", text(), 0..3)
        .prop_map(|fields| Value::Object(fields.into_iter().collect()));
    prop_oneof![5 => leaf, 1 => object]
}

fn item() -> impl Strategy<Value = Value> {
    prop::collection::btree_map("[a-z]{1,4}", value(), 1..5)
        .prop_map(|fields| Value::Object(fields.into_iter().collect()))
}

fn item_list(max: usize) -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(item(), 0..max)
}

const EXTENSIONS: [&str; 4] = ["jsonl", "json", "csv", "xml"];

fn boxed(items: &[Value]) -> Vec<BoxedItem> {
    items.iter().cloned().map(BoxedItem::new).collect()
}

/// What reading `items` back from a feed of `extension` gives (see [`read_back`]).
fn expected(extension: &str, items: &[Value]) -> Vec<Value> {
    let header: Vec<String> = match items.first() {
        Some(Value::Object(fields)) => fields.keys().cloned().collect(),
        _ => Vec::new(),
    };
    let fields = |item: &Value| item.as_object().cloned().unwrap_or_default();
    match extension {
        "csv" => items
            .iter()
            .map(|item| {
                let fields = fields(item);
                let row = header.iter().map(|name| {
                    let cell = fields.get(name).map_or_else(String::new, csv_cell);
                    (name.clone(), Value::String(cell))
                });
                Value::Object(row.collect())
            })
            .collect(),
        "xml" => items
            .iter()
            .map(|item| {
                let fields = fields(item).into_iter();
                Value::Object(
                    fields
                        .map(|(name, value)| (name, xml_json(&value)))
                        .collect(),
                )
            })
            .collect(),
        _ => items.to_vec(),
    }
}

/// A CSV cell: text as it is, lists of text joined with `,` (Scrapy), the rest as JSON.
fn csv_cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(list) if list.iter().all(Value::is_string) => {
            let texts: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
            texts.join(",")
        }
        other => other.to_string(),
    }
}

/// A field as [`element_json`] reads it back: text, with what XML 1.0 cannot hold as U+FFFD.
fn xml_json(value: &Value) -> Value {
    match value {
        Value::Null => Value::String(String::new()),
        Value::String(text) => Value::String(
            text.chars()
                .map(|ch| match ch {
                    '\t' | '\n' | '\r' => ch,
                    '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
                    _ => ch,
                })
                .collect(),
        ),
        Value::Array(list) if list.is_empty() => Value::String(String::new()),
        Value::Array(list) => list.iter().map(xml_json).collect(),
        Value::Object(fields) if fields.is_empty() => Value::String(String::new()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), xml_json(v)))
                .collect(),
        ),
        other => Value::String(other.to_string()),
    }
}

/// Writes `items` to a new feed `name`, flushing after each, as the engine's timer would;
/// returns the file's length after the header and after each item (its record boundaries).
/// The feed is left open, as a killed crawl leaves it.
fn write_killed(dir: &TempDir, name: &str, items: &[BoxedItem]) -> Vec<u64> {
    let stats = Stats::default();
    let mut feeds = Feeds::open(&[spec(dir, name, true)]).unwrap();
    let len = || std::fs::metadata(dir.path().join(name)).unwrap().len();
    feeds.flush(&stats);
    let mut boundaries = vec![len()];
    for item in items {
        feeds.write(item, &stats);
        feeds.flush(&stats);
        boundaries.push(len());
    }
    boundaries
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_items_round_trip_and_a_stop_after_any_item_leaves_a_valid_document(
        items in item_list(6),
        stop_after in 0..6usize,
    ) {
        // A forced stop closes the feeds after the items written so far.
        let written = &items[..stop_after.min(items.len())];
        let dir = TempDir::new().unwrap();
        for extension in EXTENSIONS {
            let name = format!("items.{extension}");
            export(&[spec(&dir, &name, true)], boxed(written), true);
            let back = read_back(&dir.path().join(&name));
            prop_assert_eq!(back, expected(extension, written), "{}", extension);
        }
    }

    #[test]
    fn a_feed_cut_at_any_record_boundary_is_readable_and_continued_whole(
        items in item_list(5),
        cut in 0..5usize,
        more in item_list(3),
    ) {
        let kept = cut.min(items.len());
        let dir = TempDir::new().unwrap();
        for extension in EXTENSIONS {
            let name = format!("cut.{extension}");
            let boundaries = write_killed(&dir, &name, &boxed(&items));
            let path = dir.path().join(&name);
            OpenOptions::new().write(true).open(&path).unwrap().set_len(boundaries[kept]).unwrap();
            if matches!(extension, "jsonl" | "csv") {
                // Line formats hold whole records at every boundary.
                prop_assert_eq!(read_back(&path), expected(extension, &items[..kept]));
            }
            export(&[spec(&dir, &name, false)], boxed(&more), true);
            let all: Vec<Value> = items[..kept].iter().chain(&more).cloned().collect();
            prop_assert_eq!(read_back(&path), expected(extension, &all), "{}", extension);
        }
    }
}

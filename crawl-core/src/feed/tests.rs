//! Feed export tests: items written through `Feeds`, then read back with real parsers.

mod append;
mod exact;
mod props;
mod setting;

use std::path::Path;

use ::csv::ReaderBuilder;
use quick_xml::events::Event;
use serde::Serialize;
use serde_json::{Map, Value};
use tempfile::TempDir;

use super::{FeedSpec, Feeds};
use crate::{BoxedItem, Stats};

/// Text that each format must escape or quote.
const TRICKY: &str = "She said \"hi\", then <left> & went\r\nhome; café, 日本 'ok'";

#[derive(Serialize)]
struct Book {
    title: String,
    price: f64,
    stock: u32,
    tags: Vec<String>,
    isbn: Option<String>,
    author: Author,
}

#[derive(Serialize)]
struct Author {
    name: String,
    born: i32,
}

#[derive(Serialize)]
struct Review {
    title: String,
    stars: u8,
    text: String,
    reply: Option<String>,
}

fn title(n: u32) -> String {
    format!("Book {n}: {TRICKY}")
}

fn book(n: u32) -> BoxedItem {
    BoxedItem::new(Book {
        title: title(n),
        price: 12.5 + f64::from(n),
        stock: n,
        tags: vec!["a,b".into(), "x<y".into()],
        isbn: (n % 2 == 0).then(|| format!("isbn-{n}")),
        author: Author {
            name: "Zoë \"Z\" O'Neil".into(),
            born: -50,
        },
    })
}

fn review(n: u32) -> BoxedItem {
    BoxedItem::new(Review {
        title: title(n),
        stars: 5,
        text: "Line one,\nline two & <three>".into(),
        reply: None,
    })
}

/// Two books and two reviews, interleaved.
fn items() -> Vec<BoxedItem> {
    vec![book(1), review(1), book(2), review(2)]
}

/// The feed `name` in `dir`, its format from the extension.
fn spec(dir: &TempDir, name: &str, overwrite: bool) -> FeedSpec {
    FeedSpec::parse(dir.path().join(name).to_str().unwrap(), overwrite).unwrap()
}

/// Writes `items` to every feed of `specs`, then closes them, or only flushes them when `close`
/// is false (as a killed crawl would leave them).
fn export(specs: &[FeedSpec], items: Vec<BoxedItem>, close: bool) {
    let stats = Stats::default();
    let mut feeds = Feeds::open(specs).unwrap();
    for item in &items {
        feeds.write(item, &stats);
    }
    if close {
        feeds.close(&stats);
    } else {
        feeds.flush(&stats);
    }
    let failed: Vec<_> = stats
        .snapshot()
        .into_keys()
        .filter(|k| k.contains("failed"))
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
}

/// The records of a feed file, parsed by its format's reader: JSON values as written; each CSV
/// row as an object of header names to cells; each XML `<item>` as an object of its fields
/// (see [`element_json`]).
fn read_back(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    match path.extension().unwrap().to_str().unwrap() {
        "json" => serde_json::from_str(&text).unwrap(),
        "jsonl" => text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect(),
        "csv" => csv_rows(&text)
            .into_iter()
            .map(|row| Value::Object(row.into_iter().map(|(k, v)| (k, v.into())).collect()))
            .collect(),
        "xml" => {
            let root = parse_xml(&text);
            assert_eq!(root.name, "items");
            root.children
                .iter()
                .map(|item| {
                    assert_eq!(item.name, "item");
                    Value::Object(fields_json(item))
                })
                .collect()
        }
        other => panic!("no reader for .{other}"),
    }
}

/// The `title` of each record of a feed file.
fn titles(path: &Path) -> Vec<String> {
    let records = read_back(path);
    records
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_owned())
        .collect()
}

/// A CSV text's rows, each a list of (header name, cell), with the `csv` crate's reader.
fn csv_rows(text: &str) -> Vec<Vec<(String, String)>> {
    let mut reader = ReaderBuilder::new().from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|row| {
            let row = row.unwrap();
            assert_eq!(row.len(), header.len(), "{row:?}");
            header
                .iter()
                .cloned()
                .zip(row.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

/// An XML element: its name, text (entities resolved) and child elements.
#[derive(Debug, Default)]
struct Element {
    name: String,
    text: String,
    children: Vec<Element>,
}

/// The root element of `text`, parsed with quick-xml's reader (which checks end tags).
fn parse_xml(text: &str) -> Element {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut open = vec![Element::default()];
    let named = |name: &[u8]| Element {
        name: String::from_utf8(name.to_vec()).unwrap(),
        ..Element::default()
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Decl(_) => {}
            Event::Start(start) => open.push(named(start.name().as_ref())),
            Event::Empty(empty) => open
                .last_mut()
                .unwrap()
                .children
                .push(named(empty.name().as_ref())),
            Event::End(_) => {
                let done = open.pop().unwrap();
                open.last_mut().unwrap().children.push(done);
            }
            Event::Text(text) => open.last_mut().unwrap().text += &text.xml10_content().unwrap(),
            Event::GeneralRef(entity) => {
                let ch = entity.resolve_char_ref().unwrap().unwrap_or_else(|| {
                    match &*entity.decode().unwrap() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "quot" => '"',
                        "apos" => '\'',
                        other => panic!("unknown entity &{other};"),
                    }
                });
                open.last_mut().unwrap().text.push(ch);
            }
            Event::Eof => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    let mut document = open.pop().unwrap();
    assert!(open.is_empty() && document.children.len() == 1);
    document.children.pop().unwrap()
}

/// An element's children as an object of field names to [`element_json`] values.
fn fields_json(element: &Element) -> Map<String, Value> {
    let fields = element.children.iter();
    fields
        .map(|child| (child.name.clone(), element_json(child)))
        .collect()
}

/// An element as JSON: its text if it has no children, a list if they are all `<value>`,
/// else an object.
fn element_json(element: &Element) -> Value {
    if element.children.is_empty() {
        Value::String(element.text.clone())
    } else if element.children.iter().all(|child| child.name == "value") {
        element.children.iter().map(element_json).collect()
    } else {
        Value::Object(fields_json(element))
    }
}

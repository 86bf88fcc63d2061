//! The CSV exporter, after Scrapy's `CsvItemExporter`.
//!
//! The header row holds the first item's fields in their serialized order; every later item is
//! written under those columns (fields it lacks are empty, fields the header lacks are left
//! out). Strings are written as they are, `null` as an empty cell, numbers and booleans as
//! JSON text. A list of strings is joined with `,` as Scrapy's `join_multivalued` does
//! (`["a", "b"]` is `a,b`); other lists and nested objects are JSON text (where Scrapy would
//! write Python's text of them). An item that is not an object (a bare
//! string, say) fills a single column named `value`. Appending to a file that already has
//! content reads its header row and writes under it, without a second header.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};

use serde_json::{Map, Value};

use super::exporter::{Exporter, Lines};
use crate::BoxedItem;

/// Writes one CSV record per item.
#[derive(Default)]
pub(super) struct Csv {
    /// The columns: the header of the file appended to, else the first item's fields.
    header: Option<Vec<String>>,
    /// Whether the file appended to lacks its final newline.
    lines: Lines,
}

impl Exporter for Csv {
    fn resume(&mut self, existing: &mut File) -> io::Result<u64> {
        existing.seek(SeekFrom::Start(0))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&mut *existing);
        let mut record = csv::ByteRecord::new();
        if reader.read_byte_record(&mut record)? {
            let names = record
                .iter()
                .map(|name| String::from_utf8_lossy(name).into_owned());
            self.header = Some(names.collect());
        }
        self.lines.resume(existing)
    }

    fn start(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.lines.start(out)
    }

    fn item(&mut self, out: &mut dyn Write, item: &BoxedItem) -> io::Result<()> {
        let fields = match serde_json::to_value(item)? {
            Value::Object(fields) => fields,
            other => Map::from_iter([("value".to_owned(), other)]),
        };
        // The item's records (with the header, for the first) go to the feed in one write.
        let mut bytes = Vec::new();
        let mut records = csv::WriterBuilder::new()
            .has_headers(false)
            .buffer_capacity(1024)
            .from_writer(&mut bytes);
        let header = match &self.header {
            Some(header) => header,
            None => {
                records.write_record(fields.keys())?;
                self.header.insert(fields.keys().cloned().collect())
            }
        };
        let row = header
            .iter()
            .map(|name| fields.get(name).map_or(Cow::Borrowed(&b""[..]), cell));
        records.write_record(row)?;
        records.flush()?;
        drop(records);
        out.write_all(&bytes)
    }

    fn finish(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

/// The text of one cell.
fn cell(value: &Value) -> Cow<'_, [u8]> {
    match value {
        Value::Null => Cow::Borrowed(b""),
        Value::String(text) => Cow::Borrowed(text.as_bytes()),
        Value::Array(values) => match joined(values) {
            Some(text) => Cow::Owned(text.into_bytes()),
            None => Cow::Owned(value.to_string().into_bytes()),
        },
        other => Cow::Owned(other.to_string().into_bytes()),
    }
}

/// A list of strings joined with `,` (Scrapy's `join_multivalued`); `None` if an entry is not
/// a string.
fn joined(values: &[Value]) -> Option<String> {
    let texts: Option<Vec<&str>> = values.iter().map(Value::as_str).collect();
    texts.map(|texts| texts.join(","))
}

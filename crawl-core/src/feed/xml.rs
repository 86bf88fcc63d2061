//! The XML exporter, after Scrapy's `XmlItemExporter`.
//!
//! ```xml
//! <?xml version="1.0" encoding="utf-8"?>
//! <items>
//! <item><title>A &amp; B</title><tags><value>x</value><value>y</value></tags></item>
//! </items>
//! ```
//!
//! Each field is an element named after it (characters a name cannot hold become `_`); a list
//! holds one `<value>` element per entry, a nested object one element per field, `null` is an
//! empty element. An item that is not an object is written as `<item><value>…</value></item>`.
//! `</items>` is written on a graceful stop; appending to a closed document reopens it, so the
//! file stays one `<items>` document.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Write};

use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use serde_json::Value;

use super::exporter::{tail, trim_end, Exporter};
use crate::BoxedItem;

const HEADER: &[u8] = b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<items>\n";
const FOOTER: &[u8] = b"</items>";

/// Writes one `<item>` line per item.
#[derive(Default)]
pub(super) struct Xml {
    /// The header is already in the file being appended to.
    resumed: bool,
}

impl Exporter for Xml {
    fn resume(&mut self, existing: &mut File) -> io::Result<u64> {
        let (offset, bytes) = tail(existing)?;
        let body = trim_end(&bytes);
        if body.is_empty() && offset == 0 {
            // Only whitespace: start afresh, as the declaration must come first.
            return Ok(0);
        }
        self.resumed = true;
        // A closed document loses its `</items>`; one left open by a killed crawl is continued.
        let keep = match body.strip_suffix(FOOTER) {
            Some(open) => open.len(),
            None => bytes.len(),
        };
        Ok(offset + keep as u64)
    }

    fn start(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.resumed {
            return Ok(());
        }
        out.write_all(HEADER)
    }

    fn item(&mut self, out: &mut dyn Write, item: &BoxedItem) -> io::Result<()> {
        let mut writer = Writer::new(Vec::new());
        writer.write_event(Event::Start(BytesStart::new("item")))?;
        match serde_json::to_value(item)? {
            Value::Object(fields) => {
                for (name, value) in &fields {
                    write_field(&mut writer, name, value)?;
                }
            }
            other => write_field(&mut writer, "value", &other)?,
        }
        writer.write_event(Event::End(BytesEnd::new("item")))?;
        let mut bytes = writer.into_inner();
        bytes.push(b'\n');
        out.write_all(&bytes)
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(FOOTER)?;
        out.write_all(b"\n")
    }
}

/// Writes `<name>value</name>`, lists as `<value>` children and objects as nested fields.
fn write_field(writer: &mut Writer<Vec<u8>>, name: &str, value: &Value) -> io::Result<()> {
    let name = element_name(name);
    if value.is_null() {
        return writer.write_event(Event::Empty(BytesStart::new(name)));
    }
    writer.write_event(Event::Start(BytesStart::new(name.as_ref())))?;
    match value {
        Value::Object(fields) => {
            for (name, value) in fields {
                write_field(writer, name, value)?;
            }
        }
        Value::Array(values) => {
            for value in values {
                write_field(writer, "value", value)?;
            }
        }
        Value::String(text) => writer.write_event(Event::Text(escape(text)))?,
        other => writer.write_event(Event::Text(BytesText::new(&other.to_string())))?,
    }
    writer.write_event(Event::End(BytesEnd::new(name)))
}

/// Text content escaped so that any parser reads back `text`: `<`, `>` and `&` as entities,
/// `\r` as `&#13;` (parsers turn a raw one into `\n`), and the control characters XML 1.0 cannot
/// hold at all replaced by U+FFFD.
fn escape(text: &str) -> BytesText<'static> {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '&' => escaped.push_str("&amp;"),
            '\r' => escaped.push_str("&#13;"),
            '\t' | '\n' => escaped.push(ch),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => escaped.push('\u{fffd}'),
            _ => escaped.push(ch),
        }
    }
    BytesText::from_escaped(escaped)
}

/// `name` made a valid XML element name: other characters become `_`, and a name that cannot
/// start with its first character gets a leading `_`.
fn element_name(name: &str) -> Cow<'_, str> {
    let is_start = |ch: char| ch.is_alphabetic() || ch == '_';
    let is_part = |ch: char| ch.is_alphanumeric() || matches!(ch, '_' | '-' | '.');
    if name.starts_with(is_start) && name.chars().all(is_part) {
        return Cow::Borrowed(name);
    }
    let mut fixed = String::with_capacity(name.len() + 1);
    if !name.starts_with(is_start) {
        fixed.push('_');
    }
    fixed.extend(name.chars().map(|ch| if is_part(ch) { ch } else { '_' }));
    Cow::Owned(fixed)
}

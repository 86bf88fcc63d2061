//! Feed formats and their exporters.

use std::io::{self, Write};

use crate::BoxedItem;

/// A feed's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    /// One JSON object per line.
    JsonLines,
    /// One JSON array.
    Json,
}

impl FeedFormat {
    /// The names `-o` accepts, as extensions or after `:`.
    pub const NAMES: &'static [&'static str] = &["jsonl", "jsonlines", "jl", "json"];

    /// The format named `name` (an extension or a format name).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "jsonl" | "jsonlines" | "jl" => Some(FeedFormat::JsonLines),
            "json" => Some(FeedFormat::Json),
            _ => None,
        }
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        match self {
            FeedFormat::JsonLines => "jsonlines",
            FeedFormat::Json => "json",
        }
    }

    /// A fresh exporter for this format.
    pub fn exporter(self) -> Box<dyn Exporter> {
        match self {
            FeedFormat::JsonLines => Box::new(JsonLines),
            FeedFormat::Json => Box::new(JsonArray { first: true }),
        }
    }
}

/// Writes items in one format: a header, each item, a footer.
pub trait Exporter: Send {
    /// Writes what comes before the first item.
    fn start(&mut self, out: &mut dyn Write) -> io::Result<()>;
    /// Writes one item, whole (a line is never left half written in the buffer).
    fn item(&mut self, out: &mut dyn Write, item: &BoxedItem) -> io::Result<()>;
    /// Writes what comes after the last item.
    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()>;
}

struct JsonLines;

impl Exporter for JsonLines {
    fn start(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
    fn item(&mut self, out: &mut dyn Write, item: &BoxedItem) -> io::Result<()> {
        let mut line = serde_json::to_vec(item)?;
        line.push(b'\n');
        out.write_all(&line)
    }
    fn finish(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

struct JsonArray {
    first: bool,
}

impl Exporter for JsonArray {
    fn start(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(b"[")
    }
    fn item(&mut self, out: &mut dyn Write, item: &BoxedItem) -> io::Result<()> {
        let mut text = if self.first {
            b"\n".to_vec()
        } else {
            b",\n".to_vec()
        };
        serde_json::to_writer(&mut text, item)?;
        self.first = false;
        out.write_all(&text)
    }
    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(b"\n]\n")
    }
}

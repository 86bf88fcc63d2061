//! Feed formats: their names and the exporter of each.

use super::csv::Csv;
use super::exporter::Exporter;
use super::json::{JsonArray, JsonLines};
use super::xml::Xml;

/// A feed's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    /// One JSON object per line.
    JsonLines,
    /// One JSON array.
    Json,
    /// Comma-separated values, with a header row of the first item's fields.
    Csv,
    /// An `<items>` document with one `<item>` element per item.
    Xml,
}

impl FeedFormat {
    /// The names `-o` accepts, as extensions or after `:`.
    pub const NAMES: &'static [&'static str] = &["jsonl", "jsonlines", "jl", "json", "csv", "xml"];

    /// The format named by `path`'s extension (`items.jsonl`), if any.
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        FeedFormat::from_name(path.extension()?.to_str()?)
    }

    /// The format named `name` (an extension or a format name).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "jsonl" | "jsonlines" | "jl" => Some(FeedFormat::JsonLines),
            "json" => Some(FeedFormat::Json),
            "csv" => Some(FeedFormat::Csv),
            "xml" => Some(FeedFormat::Xml),
            _ => None,
        }
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        match self {
            FeedFormat::JsonLines => "jsonlines",
            FeedFormat::Json => "json",
            FeedFormat::Csv => "csv",
            FeedFormat::Xml => "xml",
        }
    }

    /// A fresh exporter for this format.
    pub fn exporter(self) -> Box<dyn Exporter> {
        match self {
            FeedFormat::JsonLines => Box::new(JsonLines::default()),
            FeedFormat::Json => Box::new(JsonArray::default()),
            FeedFormat::Csv => Box::new(Csv::default()),
            FeedFormat::Xml => Box::new(Xml::default()),
        }
    }
}

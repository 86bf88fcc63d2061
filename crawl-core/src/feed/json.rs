//! JSON lines and JSON array exporters.

use std::fs::File;
use std::io::{self, Write};

use super::exporter::{tail, trim_end, Exporter, Lines};
use crate::BoxedItem;

/// One JSON object per line.
#[derive(Default)]
pub(super) struct JsonLines {
    /// Whether the file being appended to lacks its final newline.
    lines: Lines,
}

impl Exporter for JsonLines {
    fn resume(&mut self, existing: &mut File) -> io::Result<u64> {
        self.lines.resume(existing)
    }
    fn start(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.lines.start(out)
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

/// One JSON array, one item per line; appending continues the array already in the file.
#[derive(Default)]
pub(super) struct JsonArray {
    /// The array already has an element: the next one needs a comma.
    more: bool,
    /// The `[` is already in the file being appended to.
    resumed: bool,
}

impl Exporter for JsonArray {
    fn resume(&mut self, existing: &mut File) -> io::Result<u64> {
        let (offset, bytes) = tail(existing)?;
        let body = trim_end(&bytes);
        // A closed array loses its `]`; an array left open by a killed crawl is continued.
        let before = body.strip_suffix(b"]").map_or(body, trim_end);
        if before.is_empty() && offset == 0 {
            // Nothing to continue: append a second array, as Scrapy does.
            return existing.metadata().map(|meta| meta.len());
        }
        self.resumed = true;
        self.more = !before.ends_with(b"[");
        Ok(offset + before.len() as u64)
    }
    fn start(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.resumed {
            return Ok(());
        }
        out.write_all(b"[")
    }
    fn item(&mut self, out: &mut dyn Write, item: &BoxedItem) -> io::Result<()> {
        let mut text = if self.more {
            b",\n".to_vec()
        } else {
            b"\n".to_vec()
        };
        serde_json::to_writer(&mut text, item)?;
        self.more = true;
        out.write_all(&text)
    }
    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(b"\n]\n")
    }
}

//! The trait every feed format's exporter implements, and the helpers exporters share to
//! resume a file being appended to.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

use crate::BoxedItem;

/// Writes items in one format: a header, each item, a footer.
///
/// [`Feeds::open`](super::Feeds::open) calls [`resume`](Exporter::resume) when `-o` appends to
/// a file that already has content, then [`start`](Exporter::start), then
/// [`item`](Exporter::item) for each item and [`finish`](Exporter::finish) on a graceful stop.
pub trait Exporter: Send {
    /// Prepares to continue `existing`, a non-empty file being appended to, and returns the
    /// length to cut it to before the first write (its own length to keep it whole).
    ///
    /// The exporter reads what it needs, such as a CSV header or whether a JSON array or XML
    /// document was closed; `start` then writes no second header, and cutting a closing `]` or
    /// `</items>` lets the new items continue the same document.
    fn resume(&mut self, existing: &mut File) -> io::Result<u64> {
        existing.metadata().map(|meta| meta.len())
    }
    /// Writes what comes before the first item.
    fn start(&mut self, out: &mut dyn Write) -> io::Result<()>;
    /// Writes one item, whole (a line or record is never left half written in the buffer).
    fn item(&mut self, out: &mut dyn Write, item: &BoxedItem) -> io::Result<()>;
    /// Writes what comes after the last item.
    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()>;
}

/// The last bytes of `file` (at most 4 KiB) and the offset they start at.
pub(super) fn tail(file: &mut File) -> io::Result<(u64, Vec<u8>)> {
    let len = file.metadata()?.len();
    let start = len.saturating_sub(4096);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok((start, bytes))
}

/// The state of a line-per-item file being appended to: whether its last line lacks its
/// newline, which [`Lines::start`] then writes first.
#[derive(Default)]
pub(super) struct Lines {
    newline: bool,
}

impl Lines {
    /// Where the file's content ends; remembers whether its last line is still open.
    pub(super) fn resume(&mut self, file: &mut File) -> io::Result<u64> {
        let (offset, bytes) = tail(file)?;
        self.newline = bytes.last().is_some_and(|&b| b != b'\n');
        Ok(offset + bytes.len() as u64)
    }

    /// Ends the appended file's last line first, if [`Lines::resume`] found it open.
    pub(super) fn start(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.newline {
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// `bytes` without trailing ASCII whitespace.
pub(super) fn trim_end(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |at| at + 1);
    &bytes[..end]
}

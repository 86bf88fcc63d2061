//! Feed exports: items written to files or stdout as they are scraped.

mod csv;
mod exporter;
mod formats;
mod json;
mod setting;
mod spec;
#[cfg(test)]
mod tests;
mod xml;

pub use exporter::Exporter;
pub use formats::FeedFormat;
pub use setting::feeds_from_setting;
pub use spec::{FeedSpec, FeedTarget};

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::{BoxedItem, Error, Stats};

/// A writer that counts the bytes that reached it (for a file: its length since `base`).
struct Counted {
    inner: Box<dyn Write + Send>,
    written: u64,
}

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// One open feed: where it writes, in which format, and whether it failed.
struct OpenFeed {
    spec: FeedSpec,
    out: BufWriter<Counted>,
    /// The file's length before the first byte this crawl wrote.
    base: u64,
    exporter: Box<dyn Exporter>,
    /// Why the feed failed: it takes no more items, and the crawl reports it at the end.
    failed: Option<String>,
    /// Items given to the writer (some may still be in its buffer).
    items: u64,
    /// Items known to be in the file: those written before its last successful flush.
    stored: u64,
    /// The length to cut the file appended to (dropping a closing `]`), made only when
    /// something is written, so that a crawl that writes nothing leaves the file as it was.
    cut: Option<(File, u64)>,
}

impl OpenFeed {
    /// Marks the feed failed (once), logs it and counts it in
    /// `feedexport/failed_count/<storage>`; other feeds go on.
    fn fail(&mut self, stats: &Stats, error: std::io::Error) {
        if self.failed.is_none() {
            tracing::error!(
                "Error writing feed {}: {error}; later items go to other feeds only",
                self.spec
            );
            stats.inc_named("feedexport/failed_count/", self.spec.storage_name());
            self.failed = Some(error.to_string());
        }
    }

    /// Makes the pending cut, if any, before anything more reaches the file.
    fn settle(&mut self) -> std::io::Result<()> {
        match self.cut.take() {
            Some((file, len)) => {
                file.set_len(len)?;
                self.base = len;
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Pushes the buffered items (whole records) to the file.
    fn flush(&mut self, stats: &Stats) {
        if self.failed.is_some() {
            return;
        }
        let settled = if self.out.buffer().is_empty() {
            Ok(())
        } else {
            self.settle()
        };
        match settled.and_then(|()| self.out.flush()) {
            Ok(()) => self.stored = self.items,
            Err(error) => self.fail(stats, error),
        }
    }

    /// Writes the footer and flushes; logs where the items went, or why they did not.
    fn close(&mut self, stats: &Stats) {
        if self.failed.is_none() {
            let closed = self
                .settle()
                .and_then(|()| self.exporter.finish(&mut self.out))
                .and_then(|()| self.out.flush());
            match closed {
                Ok(()) => {
                    self.stored = self.items;
                    stats.inc_named("feedexport/success_count/", self.spec.storage_name());
                    tracing::info!(
                        "Stored {} feed ({} items) in: {}",
                        self.spec.format.name(),
                        self.stored,
                        self.spec.target
                    );
                    return;
                }
                Err(error) => self.fail(stats, error),
            }
        }
        // Only what reached the file before the error counts as stored.
        tracing::error!(
            "Error storing {} feed ({} items) in: {}: {}",
            self.spec.format.name(),
            self.stored,
            self.spec.target,
            self.failed.as_deref().unwrap_or_default()
        );
    }
}

/// The file of `spec`, its directory created; when appending to a non-empty file, lets
/// `exporter` read it, and returns where to cut it (before a closing `]`) with a handle to do so.
/// A feed's file, opened.
struct OpenedFile {
    file: File,
    /// Its length before this crawl writes.
    base: u64,
    /// Where to cut it before the first write, with a handle to do so.
    cut: Option<(File, u64)>,
}

fn open_file(
    spec: &FeedSpec,
    path: &Path,
    exporter: &mut dyn Exporter,
) -> Result<OpenedFile, Error> {
    let io_error = |what: &str| {
        let context = format!("cannot {what} feed `{}`", path.display());
        move |source| Error::Io { context, source }
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io_error("create the directory of"))?;
    }
    let mut options = OpenOptions::new();
    options.create(true);
    if spec.overwrite {
        options.write(true).truncate(true);
    } else {
        options.read(true).append(true);
    }
    let mut file = options.open(path).map_err(io_error("open"))?;
    let len = file.metadata().map_err(io_error("read"))?.len();
    let mut cut = None;
    if !spec.overwrite && len > 0 {
        let keep = exporter.resume(&mut file).map_err(io_error("read"))?;
        if keep < len {
            cut = Some((file.try_clone().map_err(io_error("open"))?, keep));
        }
    }
    let base = if spec.overwrite { 0 } else { len };
    Ok(OpenedFile { file, base, cut })
}

/// Prepares feeds for a resumed job: each file is cut to its committed length (its last
/// whole committed record) and then appended to, as `-o` does, so the crawl continues the
/// same document; a feed the job never committed starts as given.
pub(crate) fn resume_feeds(
    specs: &mut [FeedSpec],
    committed: &std::collections::HashMap<String, u64>,
) -> Result<(), Error> {
    for spec in specs {
        let FeedTarget::File(path) = &spec.target else {
            continue;
        };
        let Some(&length) = committed.get(&path.display().to_string()) else {
            continue;
        };
        let io_error = |source| Error::Io {
            context: format!(
                "cannot cut feed `{}` to its committed length",
                path.display()
            ),
            source,
        };
        let file = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io_error)?;
        let actual = file.metadata().map_err(io_error)?.len();
        if actual < length {
            return Err(Error::Usage(format!(
                "feed `{}` is {actual} bytes, shorter than the {length} bytes the job dir \
                 committed: it was changed outside the crawl",
                path.display()
            )));
        }
        file.set_len(length).map_err(io_error)?;
        spec.overwrite = false;
    }
    Ok(())
}

/// Every feed of a crawl (none by default).
#[derive(Default)]
pub struct Feeds {
    open: Vec<OpenFeed>,
}

impl Feeds {
    /// Opens (creating, appending to or truncating) every feed and writes its header.
    ///
    /// Appending (`-o`) continues what the file holds: a CSV file keeps its header row and gets
    /// no second one, and a JSON array or XML document, closed or left open by a killed crawl,
    /// is reopened so that the file stays one valid document once this crawl closes it. The
    /// file is cut (before its closing `]` or `</items>`) only when the crawl writes to it.
    pub fn open(specs: &[FeedSpec]) -> Result<Self, Error> {
        let mut open = Vec::with_capacity(specs.len());
        for spec in specs {
            let mut exporter = spec.format.exporter();
            let (target, base, cut): (Box<dyn Write + Send>, _, _) = match &spec.target {
                FeedTarget::Stdout => (Box::new(std::io::stdout()), 0, None),
                FeedTarget::File(path) => {
                    let opened = open_file(spec, path, &mut *exporter)?;
                    (Box::new(opened.file), opened.base, opened.cut)
                }
            };
            let counted = Counted {
                inner: target,
                written: 0,
            };
            let mut feed = OpenFeed {
                spec: spec.clone(),
                out: BufWriter::with_capacity(64 * 1024, counted),
                base,
                exporter,
                failed: None,
                items: 0,
                stored: 0,
                cut,
            };
            feed.exporter
                .start(&mut feed.out)
                .map_err(|source| Error::Io {
                    context: format!("cannot write feed {spec}"),
                    source,
                })?;
            open.push(feed);
        }
        Ok(Feeds { open })
    }

    /// Writes `item` to every feed that has not failed.
    pub fn write(&mut self, item: &BoxedItem, stats: &Stats) {
        for feed in &mut self.open {
            if feed.failed.is_some() {
                continue;
            }
            let written = feed
                .settle()
                .and_then(|()| feed.exporter.item(&mut feed.out, item));
            match written {
                Ok(()) => feed.items += 1,
                Err(error) => feed.fail(stats, error),
            }
        }
    }

    /// Pushes buffered items to the files, so a killed crawl keeps every item written, whole.
    pub fn flush(&mut self, stats: &Stats) {
        for feed in &mut self.open {
            feed.flush(stats);
        }
    }

    /// Each feed file's length as of the last flush, by path (what a job dir commits: whole
    /// records only). Feeds that failed or write to stdout have none.
    pub fn lengths(&self) -> Vec<(String, u64)> {
        self.open
            .iter()
            .filter(|feed| feed.failed.is_none())
            .filter_map(|feed| match &feed.spec.target {
                FeedTarget::File(path) => Some((
                    path.display().to_string(),
                    feed.base + feed.out.get_ref().written,
                )),
                FeedTarget::Stdout => None,
            })
            .collect()
    }

    /// Writes each feed's footer (closing a JSON array or XML document), flushes it, and
    /// reports each feed that failed (`feedexport/failed_count/<storage>` counts them).
    ///
    /// The feeds are closed once: later calls, and later [`write`](Feeds::write)s, do nothing.
    /// A forced stop calls this too, so every feed ends on a record boundary, as a valid
    /// document.
    pub fn close(&mut self, stats: &Stats) {
        for mut feed in std::mem::take(&mut self.open) {
            feed.close(stats);
        }
    }
}

//! Feed exports: items written to files or stdout as they are scraped.

mod formats;
mod spec;

pub use formats::{Exporter, FeedFormat};
pub use spec::{FeedSpec, FeedTarget};

use std::fs::OpenOptions;
use std::io::{BufWriter, Write};

use crate::{BoxedItem, Error, Stats};

/// One open feed: where it writes, in which format, and whether it failed.
struct OpenFeed {
    spec: FeedSpec,
    out: BufWriter<Box<dyn Write + Send>>,
    exporter: Box<dyn Exporter>,
    failed: bool,
    items: u64,
}

impl OpenFeed {
    fn fail(&mut self, stats: &Stats, error: std::io::Error) {
        if !self.failed {
            tracing::error!(
                "Error writing feed {}: {error}; later items go to other feeds only",
                self.spec
            );
            stats.inc(format!(
                "feedexport/failed_count/{}",
                self.spec.format.name()
            ));
        }
        self.failed = true;
    }
}

/// Every feed of a crawl.
pub struct Feeds {
    open: Vec<OpenFeed>,
}

impl Feeds {
    /// Opens (creating, appending to or truncating) every feed and writes its header.
    pub fn open(specs: &[FeedSpec]) -> Result<Self, Error> {
        let mut open = Vec::with_capacity(specs.len());
        for spec in specs {
            let target: Box<dyn Write + Send> = match &spec.target {
                FeedTarget::Stdout => Box::new(std::io::stdout()),
                FeedTarget::File(path) => {
                    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                        std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                            context: format!(
                                "cannot create the directory of feed `{}`",
                                path.display()
                            ),
                            source,
                        })?;
                    }
                    let file = OpenOptions::new()
                        .create(true)
                        .write(true)
                        .append(!spec.overwrite)
                        .truncate(spec.overwrite)
                        .open(path)
                        .map_err(|source| Error::Io {
                            context: format!("cannot open feed `{}`", path.display()),
                            source,
                        })?;
                    Box::new(file)
                }
            };
            let mut feed = OpenFeed {
                spec: spec.clone(),
                out: BufWriter::with_capacity(64 * 1024, target),
                exporter: spec.format.exporter(),
                failed: false,
                items: 0,
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
            if feed.failed {
                continue;
            }
            match feed.exporter.item(&mut feed.out, item) {
                Ok(()) => feed.items += 1,
                Err(error) => feed.fail(stats, error),
            }
        }
    }

    /// Pushes buffered lines to the files, so a killed crawl keeps every line written.
    pub fn flush(&mut self) {
        for feed in &mut self.open {
            if !feed.failed {
                if let Err(error) = feed.out.flush() {
                    feed.failed = true;
                    tracing::error!("Error writing feed {}: {error}", feed.spec);
                }
            }
        }
    }

    /// Writes each feed's footer (closing a JSON array) and flushes it.
    pub fn close(&mut self, stats: &Stats) {
        for feed in &mut self.open {
            if feed.failed {
                continue;
            }
            match feed
                .exporter
                .finish(&mut feed.out)
                .and_then(|()| feed.out.flush())
            {
                Ok(()) => {
                    stats.inc(format!(
                        "feedexport/success_count/{}",
                        feed.spec.storage_name()
                    ));
                    tracing::info!(
                        "Stored {} feed ({} items) in: {}",
                        feed.spec.format.name(),
                        feed.items,
                        feed.spec.target
                    );
                }
                Err(error) => feed.fail(stats, error),
            }
        }
    }
}

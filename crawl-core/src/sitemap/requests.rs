//! The requests a sitemap response leads to, produced as the sitemap is read.

use std::collections::VecDeque;
use std::io::BufRead;

use super::{
    sitemap_urls_from_robots, SitemapKind, SitemapReader, Sitemaps, IGNORED_STAT, MALFORMED_STAT,
};
use crate::{Request, Response, Stats};

/// The requests of [`Sitemaps::requests`]: an iterator reading the sitemap as it goes.
pub struct SitemapRequests<'a> {
    sitemaps: &'a Sitemaps,
    response: &'a Response,
    source: Source<'a>,
    pending: VecDeque<Request>,
}

impl std::fmt::Debug for SitemapRequests<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SitemapRequests")
            .field("response", self.response)
            .finish_non_exhaustive()
    }
}

enum Source<'a> {
    Done,
    Robots(std::vec::IntoIter<url::Url>),
    Sitemap {
        /// Boxed: the reader is large, and one exists per sitemap response.
        reader: Box<SitemapReader<Box<dyn BufRead + Send + 'a>>>,
        index: bool,
        stats: Stats,
    },
}

impl<'a> SitemapRequests<'a> {
    pub(super) fn empty(sitemaps: &'a Sitemaps, response: &'a Response) -> Self {
        SitemapRequests {
            sitemaps,
            response,
            source: Source::Done,
            pending: VecDeque::new(),
        }
    }

    pub(super) fn robots(sitemaps: &'a Sitemaps, response: &'a Response) -> Self {
        let urls = sitemap_urls_from_robots(response.text(), &response.url);
        SitemapRequests {
            source: Source::Robots(urls.into_iter()),
            ..SitemapRequests::empty(sitemaps, response)
        }
    }

    pub(super) fn sitemap(
        sitemaps: &'a Sitemaps,
        response: &'a Response,
        body: Box<dyn BufRead + Send + 'a>,
        stats: Stats,
    ) -> Self {
        let mut reader = SitemapReader::new(body);
        let index = match reader.kind().cloned() {
            Some(SitemapKind::UrlSet) => false,
            Some(SitemapKind::Index) => true,
            other => {
                match (&other, reader.error()) {
                    (_, Some(error)) => {
                        tracing::warn!(url = %response.url, "malformed sitemap {response:?}: {error}");
                        stats.inc(MALFORMED_STAT);
                    }
                    (Some(SitemapKind::Other(root)), None) => {
                        tracing::warn!(url = %response.url, "Ignoring invalid sitemap: {response:?} (its root is <{root}>)");
                        stats.inc(IGNORED_STAT);
                    }
                    _ => {
                        tracing::warn!(url = %response.url, "Ignoring invalid sitemap: {response:?} (no XML element)");
                        stats.inc(IGNORED_STAT);
                    }
                }
                return SitemapRequests::empty(sitemaps, response);
            }
        };
        SitemapRequests {
            source: Source::Sitemap {
                reader: Box::new(reader),
                index,
                stats,
            },
            ..SitemapRequests::empty(sitemaps, response)
        }
    }

    /// Reads on until some requests are pending or the source is exhausted.
    fn refill(&mut self) {
        let sitemaps = self.sitemaps;
        let response = self.response;
        match &mut self.source {
            Source::Done => {}
            Source::Robots(urls) => match urls.next() {
                Some(url) => self
                    .pending
                    .push_back(Request::new(url).with_callback(sitemaps.sitemap_callback.clone())),
                None => self.source = Source::Done,
            },
            Source::Sitemap {
                reader,
                index,
                stats,
            } => {
                let Some(entry) = reader.next() else {
                    if let Some(error) = reader.error() {
                        tracing::warn!(url = %response.url, "malformed sitemap {response:?}: {error}");
                        stats.inc(MALFORMED_STAT);
                    }
                    self.source = Source::Done;
                    return;
                };
                if !sitemaps.keep(&entry) {
                    return;
                }
                let alternates = sitemaps.alternate_links.then_some(&entry.alternates);
                let locs = std::iter::once(&entry.loc).chain(alternates.into_iter().flatten());
                for loc in locs {
                    let callback = if *index {
                        sitemaps.follows(loc).then_some(&sitemaps.sitemap_callback)
                    } else {
                        sitemaps.callback_for(loc)
                    };
                    if let Some(callback) = callback {
                        self.pending
                            .extend(Sitemaps::request(response, loc, callback));
                    }
                }
            }
        }
    }
}

impl Iterator for SitemapRequests<'_> {
    type Item = Request;

    fn next(&mut self) -> Option<Request> {
        loop {
            if let Some(request) = self.pending.pop_front() {
                return Some(request);
            }
            if matches!(self.source, Source::Done) {
                return None;
            }
            self.refill();
        }
    }
}

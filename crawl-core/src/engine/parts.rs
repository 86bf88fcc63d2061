//! The parts the engine owns: the downloader and the components built from the registry and
//! the settings (middleware chains, pipelines, signal handlers). The engine reaches them
//! directly; [`Crawler`](crate::Crawler) is the user's handle on them, as tokio's runtime
//! `Handle` is on a runtime.

use std::sync::Arc;

use crate::crawler::Components;
use crate::downloader::Downloader;
use crate::{Error, Settings, Spider, Stats};

/// A crawl's downloader and components.
pub(crate) struct Parts {
    pub(crate) downloader: Downloader,
    pub(crate) components: Components,
}

impl Parts {
    /// Builds the parts `settings` ask for, counting into `stats`.
    pub(crate) fn build(
        settings: &Arc<Settings>,
        stats: &Stats,
        spider: &Arc<dyn Spider>,
    ) -> Result<Arc<Self>, Error> {
        Ok(Arc::new(Parts {
            components: super::components::build(settings, spider)?,
            downloader: Downloader::new(settings.clone(), stats.clone())?,
        }))
    }
}

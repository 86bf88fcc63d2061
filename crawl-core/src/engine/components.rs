//! Building a crawl's components from the registry and the settings.

use std::sync::Arc;

use crate::crawler::Components;
use crate::middleware::{
    builtin, DownloaderChain, DownloaderMiddleware, DownloaderMiddlewareEntry, SpiderChain,
    SpiderMiddleware, SpiderMiddlewareEntry,
};
use crate::pipeline::{ItemPipeline, PipelineChain, PipelineEntry};
use crate::signals::Signals;
use crate::{ComponentOrders, Enabled, Error, Settings, Spider};

/// A registry entry of some kind of component.
trait Entry: inventory::Collect {
    type Component;
    /// The built-in entries of this kind (kept in a static list: an unreferenced
    /// inventory submission inside this library could be dropped by the linker).
    fn builtin() -> &'static [Self];
    fn name(&self) -> &'static str;
    fn order(&self) -> i32;
    fn create(&self, settings: &Settings) -> Option<Self::Component>;
}

macro_rules! entry {
    ($entry:ty => $component:ty, $builtin:expr) => {
        impl Entry for $entry {
            type Component = Arc<$component>;
            fn builtin() -> &'static [Self] {
                $builtin
            }
            fn name(&self) -> &'static str {
                self.name
            }
            fn order(&self) -> i32 {
                self.order
            }
            fn create(&self, settings: &Settings) -> Option<Self::Component> {
                (self.create)(settings)
            }
        }
    };
}

entry!(DownloaderMiddlewareEntry => dyn DownloaderMiddleware, builtin::DOWNLOADER);
entry!(SpiderMiddlewareEntry => dyn SpiderMiddleware, builtin::SPIDER);
entry!(PipelineEntry => dyn ItemPipeline, &[]);

/// The registered components of kind `E` that `orders` (the setting `setting`) leaves on,
/// in order; a name in `orders` that matches no component is an error.
fn enabled<E: Entry>(
    setting: &str,
    orders: &ComponentOrders,
    settings: &Settings,
) -> Result<Vec<(&'static str, E::Component)>, Error> {
    let entries: Vec<&E> = E::builtin().iter().chain(inventory::iter::<E>).collect();
    let known: Vec<&str> = entries.iter().map(|entry| entry.name()).collect();
    if let Some(name) = orders.unknown(&known).first() {
        return Err(Error::Usage(format!(
            "`{setting}` names `{name}`, which is not a known component; known: {}",
            known.join(", ")
        )));
    }
    let enabled = Enabled::new(
        entries.into_iter().map(|e| (e.name(), e.order(), e)),
        orders,
    );
    Ok(enabled
        .items
        .into_iter()
        .filter_map(|(name, _, entry)| entry.create(settings).map(|component| (name, component)))
        .collect())
}

/// The enabled middlewares, pipelines and signal handlers for `spider` under `settings`.
pub(crate) fn build(settings: &Settings, spider: &Arc<dyn Spider>) -> Result<Components, Error> {
    Ok(Components {
        downloader: DownloaderChain::new(enabled::<DownloaderMiddlewareEntry>(
            "DOWNLOADER_MIDDLEWARES",
            &settings.downloader_middlewares,
            settings,
        )?),
        spider: SpiderChain::new(enabled::<SpiderMiddlewareEntry>(
            "SPIDER_MIDDLEWARES",
            &settings.spider_middlewares,
            settings,
        )?),
        pipelines: PipelineChain::new(enabled::<PipelineEntry>(
            "ITEM_PIPELINES",
            &settings.item_pipelines,
            settings,
        )?),
        signals: Signals::new(
            spider
                .clone()
                .signal_handlers()
                .into_iter()
                .chain(crate::extensions::handlers(settings))
                .collect(),
        ),
    })
}

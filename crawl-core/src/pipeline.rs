//! Item pipelines: typed `process_item` hooks run in order on every scraped item.

use std::sync::Arc;

use crate::hook::Hook;
use crate::{BoxError, BoxedItem, Crawler, Settings};

/// What a pipeline did with an item.
#[derive(Debug)]
pub enum PipelineOutcome {
    /// Pass the item (changed or not) to the next pipeline.
    Keep(BoxedItem),
    /// Drop the item (if the pipeline still has it), with a reason (counted in
    /// `item_dropped_reasons_count/<reason>`).
    Drop(Option<BoxedItem>, String),
}

/// Returned as an error from `process_item` to drop the item with a reason (Scrapy's
/// `DropItem`).
///
/// `DropItem::new` gives the [`BoxError`] a pipeline returns, so
/// `Err(DropItem::new(reason))` needs no conversion:
///
/// ```
/// use crawl_core::prelude::*;
///
/// fn check(price: f64) -> Result<Option<f64>> {
///     if price <= 0.0 {
///         return Err(DropItem::new("no_price"));
///     }
///     Ok(Some(price))
/// }
/// let error = check(0.0).unwrap_err();
/// assert_eq!(error.downcast_ref::<DropItem>().unwrap().0, "no_price");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("item dropped: {0}")]
pub struct DropItem(pub String);

impl DropItem {
    /// The error that drops the item because of `reason`, ready to return as `Err(..)`
    /// (the engine finds the `DropItem` inside by downcasting).
    #[allow(clippy::new_ret_no_self)]
    pub fn new(reason: impl Into<String>) -> crate::BoxError {
        DropItem(reason.into()).into()
    }
}

/// An item pipeline. `#[pipeline]` implements it from a typed async fn or an impl block:
/// items of other types pass by untouched.
pub trait ItemPipeline: Send + Sync + 'static {
    /// Called before the crawl starts; an error aborts the crawl.
    fn open_spider<'a>(&'a self, crawler: &'a Crawler) -> Hook<'a, Result<(), BoxError>> {
        let _ = crawler;
        Hook::ready(Ok(()))
    }

    /// Processes one item: keep it, drop it, or fail (counted and logged; the crawl goes
    /// on). A failure gives the item back when the pipeline still has it.
    fn process_item<'a>(
        &'a self,
        item: BoxedItem,
        crawler: &'a Crawler,
    ) -> Hook<'a, Result<PipelineOutcome, (Option<BoxedItem>, BoxError)>>;

    /// Called after the crawl ends.
    fn close_spider<'a>(&'a self, crawler: &'a Crawler) -> Hook<'a, Result<(), BoxError>> {
        let _ = crawler;
        Hook::ready(Ok(()))
    }
}

/// An item pipeline known to the engine (registered by `#[pipeline]`).
pub struct PipelineEntry {
    /// Its name, as used in `ITEM_PIPELINES`.
    pub name: &'static str,
    /// Its default order (Scrapy's numbers: lower runs first).
    pub order: i32,
    /// Builds it for a crawl.
    pub create: fn(&Settings) -> Option<Arc<dyn ItemPipeline>>,
}

inventory::collect!(PipelineEntry);

/// How an item left the pipelines.
#[derive(Debug)]
pub enum ItemFate {
    /// It passed every pipeline.
    Scraped(BoxedItem),
    /// A pipeline dropped it (the item, if the pipeline gave it back).
    Dropped(Option<BoxedItem>, String),
    /// A pipeline failed on it (the item, if the pipeline gave it back).
    Failed(Option<BoxedItem>, BoxError),
}

/// The enabled pipelines in order.
#[derive(Default, Clone)]
pub struct PipelineChain {
    pipelines: Vec<(&'static str, Arc<dyn ItemPipeline>)>,
}

impl PipelineChain {
    /// The chain of `pipelines`, sorted by order.
    pub fn new(pipelines: Vec<(&'static str, Arc<dyn ItemPipeline>)>) -> Self {
        PipelineChain { pipelines }
    }

    /// The enabled pipelines' names, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.pipelines.iter().map(|(name, _)| *name).collect()
    }

    /// Whether no pipeline is enabled (items skip straight to the feeds).
    pub fn is_empty(&self) -> bool {
        self.pipelines.is_empty()
    }

    /// Runs every pipeline's `open_spider`.
    pub async fn open(&self, crawler: &Crawler) -> Result<(), BoxError> {
        for (name, pipeline) in &self.pipelines {
            pipeline
                .open_spider(crawler)
                .await
                .map_err(|error| error.context(format!("pipeline `{name}` failed to open")))?;
        }
        Ok(())
    }

    /// Runs `item` through every pipeline.
    pub async fn process(&self, mut item: BoxedItem, crawler: &Crawler) -> ItemFate {
        for (_, pipeline) in &self.pipelines {
            match pipeline.process_item(item, crawler).await {
                Ok(PipelineOutcome::Keep(next)) => item = next,
                Ok(PipelineOutcome::Drop(item, reason)) => return ItemFate::Dropped(item, reason),
                Err((item, error)) => match error.downcast_ref::<DropItem>() {
                    Some(DropItem(reason)) => return ItemFate::Dropped(item, reason.clone()),
                    None => return ItemFate::Failed(item, error),
                },
            }
        }
        ItemFate::Scraped(item)
    }

    /// Runs every pipeline's `close_spider`, logging failures.
    pub async fn close(&self, crawler: &Crawler) {
        for (name, pipeline) in &self.pipelines {
            if let Err(error) = pipeline.close_spider(crawler).await {
                tracing::error!("pipeline `{name}` failed to close: {error:#}");
            }
        }
    }
}

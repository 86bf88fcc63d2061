//! The table of signals: each one's `SignalKind` variant, its name in `#[on(NAME)]` and its
//! payload. crawl-core builds its `SignalKind` and `Signal` enums from it, and this crate
//! builds [`SIGNALS`] from it, with which `crawl-macros` checks a handler's signature.

/// Calls `$callback!` with every signal as `#[doc] Variant name { #[doc] field: Type, .. };`
/// (no braces: no payload). Payload types borrow for `'a` and name crawl-core's types, which
/// resolve where the callback expands.
#[macro_export]
macro_rules! crawl_signals_table {
    ($callback:ident) => {
        $callback! {
            /// The engine started (before the spider opens).
            EngineStarted engine_started;
            /// The spider opened; the crawl waits for every handler before the first request.
            SpiderOpened spider_opened;
            /// Nothing is left to do; a handler may schedule requests to keep the spider open.
            SpiderIdle spider_idle;
            /// The spider closed, with its reason.
            SpiderClosed spider_closed {
                /// The finish reason.
                reason: &'a str,
            };
            /// An item passed every pipeline.
            ItemScraped item_scraped {
                /// The item.
                item: &'a BoxedItem,
            };
            /// A pipeline dropped an item.
            ItemDropped item_dropped {
                /// The item, when the pipeline gave it back.
                item: Option<&'a BoxedItem>,
                /// Why it was dropped.
                reason: &'a str,
            };
            /// A pipeline failed on an item.
            ItemError item_error {
                /// The item, when the pipeline gave it back.
                item: Option<&'a BoxedItem>,
                /// The failure.
                error: &'a BoxError,
            };
            /// A request was queued.
            RequestScheduled request_scheduled {
                /// The request.
                request: &'a Request,
            };
            /// A request was dropped by the scheduler (a duplicate).
            RequestDropped request_dropped {
                /// The request.
                request: &'a Request,
            };
            /// A response arrived from the downloader.
            ResponseReceived response_received {
                /// The response.
                response: &'a Response,
            };
            /// A callback failed or panicked.
            SpiderError spider_error {
                /// The URL of the response whose callback failed.
                url: &'a str,
                /// The failure.
                error: &'a BoxError,
            };
        }
    };
}

/// A signal: its name, `SignalKind` variant, and payload as `(field, type text)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignalSpec {
    /// The name in `#[on(NAME)]`, Scrapy's: `spider_opened`.
    pub name: &'static str,
    /// The `SignalKind` and `Signal` variant: `SpiderOpened`.
    pub variant: &'static str,
    /// The payload's fields in order, each with its type as the table writes it
    /// (`&'a str`); [`SignalSpec::payload`] gives them as a handler writes them.
    pub fields: &'static [(&'static str, &'static str)],
}

impl SignalSpec {
    /// The payload's fields in order, each with its type as a handler writes it: `&str`,
    /// `Option<&BoxedItem>`.
    pub fn payload(&self) -> impl Iterator<Item = (&'static str, String)> {
        self.fields
            .iter()
            .map(|(field, ty)| (*field, ty.replace("'a", "").split_whitespace().collect()))
    }
}

macro_rules! table {
    ($( $(#[$doc:meta])* $variant:ident $name:ident $({ $( $(#[$fdoc:meta])* $field:ident : $ty:ty ),* $(,)? })?; )*) => {
        /// Every signal, in table order.
        pub const SIGNALS: &[SignalSpec] = &[
            $( SignalSpec {
                name: stringify!($name),
                variant: stringify!($variant),
                fields: &[$($( (stringify!($field), stringify!($ty)) ),*)?],
            }, )*
        ];
    };
}

crate::crawl_signals_table!(table);

#[cfg(test)]
mod tests {
    use super::SIGNALS;

    #[test]
    fn payload_types_read_as_a_handler_writes_them() {
        let dropped = SIGNALS.iter().find(|s| s.name == "item_dropped").unwrap();
        let payload: Vec<_> = dropped.payload().collect();
        assert_eq!(
            payload,
            [
                ("item", "Option<&BoxedItem>".to_owned()),
                ("reason", "&str".to_owned())
            ]
        );
        assert_eq!(dropped.variant, "ItemDropped");
        assert!(SIGNALS
            .iter()
            .find(|s| s.name == "engine_started")
            .unwrap()
            .fields
            .is_empty());
    }
}

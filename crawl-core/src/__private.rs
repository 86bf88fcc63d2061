//! Not public API: everything macro expansions name, under one path.

pub use async_stream;
pub use futures;
pub use inventory;
pub use serde;
pub use std;

pub use crate::registry::SpiderEntry;
pub use crate::selector::Query;
pub use crate::selector::XPath;
pub use crate::settings::{
    check_component_value, component_field, set_component_field, ComponentSetting,
    ComponentSettings, ComponentSettingsEntry, SettingValue,
};
pub use crate::spider::{OutputStream, Spider, SpiderMeta};
pub use crate::{BoxError, Callback, Crawler, Error, Output, Request, Response, Settings};

use std::cell::Cell;

/// A value a callback yields, wrapped for conversion into an [`Output`] by autoref
/// specialization: requests first, then results of requests, then items.
pub struct Yielded<T>(Cell<Option<T>>);

impl<T> Yielded<T> {
    /// Wraps a yielded value.
    pub fn new(value: T) -> Self {
        Yielded(Cell::new(Some(value)))
    }

    fn take(&self) -> T {
        match self.0.take() {
            Some(value) => value,
            None => unreachable!("a yielded value is converted once"),
        }
    }
}

/// Highest priority: values that already are outputs (requests, results of requests).
pub trait ViaOutput {
    /// Converts the yielded value.
    fn __crawl_output(&self) -> Output;
}

impl ViaOutput for &&Yielded<Request> {
    fn __crawl_output(&self) -> Output {
        Output::from(self.take())
    }
}

impl ViaOutput for &&Yielded<Output> {
    fn __crawl_output(&self) -> Output {
        self.take()
    }
}

impl<E: Into<BoxError>> ViaOutput for &&Yielded<Result<Request, E>> {
    fn __crawl_output(&self) -> Output {
        match self.take() {
            Ok(request) => Output::from(request),
            Err(error) => Output::Error(error.into()),
        }
    }
}

/// Lowest priority: anything else must be an item.
pub trait ViaItem<T> {
    /// Converts the yielded item.
    fn __crawl_output(&self) -> Output
    where
        T: crate::Item;
}

impl<T> ViaItem<T> for &Yielded<T> {
    fn __crawl_output(&self) -> Output
    where
        T: crate::Item,
    {
        Output::Item(BoxedItem::new(self.take()))
    }
}

/// Converts a user error into the boxed error outputs carry.
pub fn into_error<E: Into<BoxError>>(error: E) -> Output {
    Output::Error(error.into())
}

/// Turns a generator's `Result` items into outputs (an `Err` from `?` becomes an error output).
pub fn flatten_result(result: Result<Output, BoxError>) -> Output {
    result.unwrap_or_else(Output::Error)
}

/// The output stream for a callback name the spider does not have.
pub fn unknown_callback(spider: &'static str, callback: &Callback) -> OutputStream {
    let error = BoxError::msg(format!(
        "spider `{spider}` has no callback `{}`",
        callback.name()
    ));
    Box::pin(futures::stream::once(async move { Output::Error(error) }))
}

/// The output stream for an errback name the spider does not have.
pub fn unknown_errback(spider: &'static str, errback: &Callback) -> OutputStream {
    let error = BoxError::msg(format!(
        "spider `{spider}` has no errback `{}`",
        errback.name()
    ));
    Box::pin(futures::stream::once(async move { Output::Error(error) }))
}

/// A callback's typed argument, read back from the response's request.
pub fn callback_args<T: CallbackArgs>(response: &Response) -> Result<T, Error> {
    response.request.args_as::<T>()
}

/// A type a callback may take as its extra argument (`Serialize` is required where the value
/// is given, by `Request::with_args`).
#[diagnostic::on_unimplemented(
    message = "the argument of a callback is read back from its request: `{Self}` must implement `Deserialize` (and `Serialize`, to be given with `.with_args(...)`)",
    label = "not `Deserialize`",
    note = "derive them: `#[derive(Serialize, Deserialize)]`"
)]
pub trait CallbackArgs: serde::de::DeserializeOwned {}

impl<T: serde::de::DeserializeOwned> CallbackArgs for T {}

/// Compiles a literal selector checked by the macro; cannot fail.
pub fn literal_query(query: &'static str) -> Query {
    match Query::new(query) {
        Ok(query) => query,
        Err(error) => unreachable!("`#[spider]` checked this selector: {error}"),
    }
}

/// Compiles a literal XPath expression checked by the macro; cannot fail.
pub fn literal_xpath(xpath: &'static str) -> XPath {
    match XPath::new(xpath) {
        Ok(xpath) => xpath,
        Err(error) => unreachable!("`#[spider]` checked this expression: {error}"),
    }
}

/// How `#[spider]` builds a spider: with `Default::default()`.
#[diagnostic::on_unimplemented(
    message = "spider `{Self}` must implement `Default`",
    label = "`#[spider]` builds this spider with `Default::default()`",
    note = "add `#[derive(Default)]` to the spider's type"
)]
pub trait DefaultSpider: Sized {
    /// Builds the spider.
    fn create() -> Self;
}

impl<T: Default> DefaultSpider for T {
    fn create() -> Self {
        T::default()
    }
}

pub use crate::hook::Hook;
pub use crate::middleware::{
    DownloaderHooks, DownloaderMiddleware, DownloaderMiddlewareEntry, ExceptionOutcome, Origin,
    RequestOutcome, ResponseOutcome, SpiderMiddleware, SpiderMiddlewareEntry,
};
pub use crate::pipeline::{ItemPipeline, PipelineEntry, PipelineOutcome};
pub use crate::signals::{Signal, SignalHandler, SignalHandlerEntry, SignalKind};
pub use crate::BoxedItem;

/// What a signal handler may return: nothing, or a `Result`.
pub trait HandlerResult {
    /// The result as the engine takes it.
    fn into_handler_result(self) -> Result<(), BoxError>;
}

impl HandlerResult for () {
    fn into_handler_result(self) -> Result<(), BoxError> {
        Ok(())
    }
}

impl<E: Into<BoxError>> HandlerResult for Result<(), E> {
    fn into_handler_result(self) -> Result<(), BoxError> {
        self.map_err(Into::into)
    }
}

/// The reason a pipeline fn dropped an item by returning `None` or `false`.
pub fn dropped_by(pipeline: &str) -> String {
    format!("dropped by `{pipeline}`")
}

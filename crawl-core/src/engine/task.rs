//! The work on one request: download it through the downloader middlewares, then run its
//! callback through the spider middlewares and forward the outputs.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::{FutureExt, StreamExt};

use super::shared::Shared;
use crate::error::kind_of;
use crate::frontier::{Lease, LeaseId};
use crate::middleware::{DownloadResult, IgnoreRequest, Origin};
use crate::signals::{Signal, SignalKind};
use crate::{BoxError, Output, OutputStream, Request};

/// Most outputs handled in one batch (under one lock).
const OUTPUT_BATCH: usize = 256;

/// Downloads `request`, then feeds its response to the callback it names.
pub(super) async fn process(shared: Arc<Shared>, lease: Lease) {
    let Lease { id, request } = lease;
    // Callbacks and downloads catch their own panics; this catches one in a spider
    // middleware's input or exception hook, so the task still ends and the crawl does not
    // wait for it forever.
    let last = match AssertUnwindSafe(respond(&shared, id, request))
        .catch_unwind()
        .await
    {
        Ok(last) => last,
        Err(panic) => {
            let message = crate::error::panic_message(&*panic);
            tracing::error!("Processing a response panicked: {message}");
            shared.stats.inc("spider_exceptions/Panic");
            Vec::new()
        }
    };
    shared.request_done(id, last);
}

/// The work of [`process`]; returns the last outputs, handled with the task's end.
async fn respond(shared: &Arc<Shared>, lease: LeaseId, request: Request) -> Vec<Output> {
    let crawler = &shared.crawler;
    let callback = request.callback.clone();
    // Kept for the errback, which receives the request if its download fails.
    let failed = request.errback.is_some().then(|| request.clone());
    // For the log lines: formatted only when written.
    let (method, url) = (request.method.clone(), request.url.clone());
    let components = &shared.parts.components;
    let download = components.downloader.download(request, crawler);
    let result = match AssertUnwindSafe(download).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let message = crate::error::panic_message(&*panic);
            DownloadResult::Failed(BoxError::msg(format!(
                "a downloader middleware panicked: {message}"
            )))
        }
    };
    shared.download_done(lease);
    let response = match result {
        DownloadResult::Response(response) => response,
        DownloadResult::Reschedule(request) => return vec![Output::from(request)],
        DownloadResult::Failed(error) => {
            if let Some(request) = failed {
                let origin = Arc::new(Origin {
                    url: request.url.clone(),
                    status: 0,
                    depth: request.depth,
                    meta: request.meta.clone(),
                });
                return errback(shared, lease, request, error, origin).await;
            }
            match error.downcast_ref::<IgnoreRequest>() {
                Some(ignored) => tracing::debug!("Ignoring <{method} {url}>: {}", ignored.0),
                None => tracing::error!("Error downloading <{method} {url}>: {error:#}"),
            }
            return Vec::new();
        }
    };
    crawler.stats().inc("response_received_count");
    tracing::debug!(
        status = response.status.as_u16(),
        "Crawled <{method} {url}>"
    );
    if components.signals.has(SignalKind::ResponseReceived) {
        let signal = Signal::ResponseReceived {
            response: &response,
        };
        components.signals.send(signal, crawler).await;
    }
    let chain = &components.spider;
    let origin = Arc::new(Origin::of(&response));
    let outputs = match chain.input(&response, crawler) {
        Ok(()) => chain.output(
            &origin,
            shared
                .spider
                .clone()
                .call(&callback, response, crawler.clone()),
            crawler,
        ),
        // Scrapy's order: an errback takes the error before the exception hooks.
        Err(error) if response.request.errback.is_some() => {
            let request = response.request.clone();
            drop(response);
            return errback(shared, lease, request, error, origin).await;
        }
        Err(error) => match chain.exception(&origin, &error, crawler) {
            Some(outputs) => outputs,
            None => {
                spider_error(shared, &origin.url, kind_of(&error), &error).await;
                return Vec::new();
            }
        },
    };
    drive(outputs, Some(&origin), &origin.url, Some(lease), shared).await
}

/// Runs the errback of `request`, which failed with `error`: its outputs go through the
/// spider middlewares and on, as a callback's do.
async fn errback(
    shared: &Arc<Shared>,
    lease: LeaseId,
    request: Request,
    error: BoxError,
    origin: Arc<Origin>,
) -> Vec<Output> {
    let crawler = &shared.crawler;
    let Some(name) = request.errback.clone() else {
        return Vec::new();
    };
    tracing::debug!(
        "Calling errback {name:?} for <{} {}>: {error:#}",
        request.method,
        request.url
    );
    crawler.stats().inc("spider/errback_count");
    let stream = shared
        .spider
        .clone()
        .errback(&name, request, error, crawler.clone());
    let outputs = shared
        .parts
        .components
        .spider
        .output(&origin, stream, crawler);
    drive(outputs, Some(&origin), &origin.url, Some(lease), shared).await
}

/// Polls a callback's stream to its end, handling its outputs as they come (in this task, so
/// a callback's memory stays bounded) and reporting errors and panics (a panic ends that
/// callback only). Spider middlewares may replace an error by outputs. Returns the last
/// outputs, not yet handled.
pub(super) async fn drive(
    stream: OutputStream,
    origin: Option<&Arc<Origin>>,
    url: &(dyn std::fmt::Display + Sync),
    lease: Option<LeaseId>,
    shared: &Arc<Shared>,
) -> Vec<Output> {
    // Outputs ready together are handled together: one lock per batch. The last batch is
    // returned, to be handled with the task's end.
    let crawler = &shared.crawler;
    let mut chunks = AssertUnwindSafe(stream)
        .catch_unwind()
        .ready_chunks(OUTPUT_BATCH);
    let mut held: Vec<Output> = Vec::new();
    while let Some(chunk) = chunks.next().await {
        if !held.is_empty() {
            shared.outputs(std::mem::take(&mut held), lease);
        }
        for next in chunk {
            let (kind, error) = match next {
                Ok(Output::Error(error)) => (kind_of(&error), error),
                Ok(output) => {
                    held.push(output);
                    continue;
                }
                Err(panic) => ("Panic", BoxError::msg(panic_message(&*panic))),
            };
            if !held.is_empty() {
                shared.outputs(std::mem::take(&mut held), lease);
            }
            let replacement = origin.and_then(|origin| {
                shared
                    .parts
                    .components
                    .spider
                    .exception(origin, &error, crawler)
            });
            match replacement {
                Some(replacement) => {
                    held = Box::pin(drive(replacement, None, url, lease, shared)).await
                }
                None => spider_error(shared, url, kind, &error).await,
            }
        }
    }
    held
}

/// Drives the start requests, one output at a time while the frontier has room, so millions
/// of start URLs never sit in memory at once. The first `skip` outputs were handled by a
/// previous run of the job: they are drawn again and dropped.
pub(super) async fn drive_start(stream: OutputStream, skip: u64, shared: &Arc<Shared>) {
    let skip = usize::try_from(skip).unwrap_or(usize::MAX);
    let mut outputs = AssertUnwindSafe(stream.skip(skip)).catch_unwind();
    loop {
        shared.start_room().await;
        let Some(next) = outputs.next().await else {
            break;
        };
        match next {
            Ok(Output::Error(error)) => {
                spider_error(shared, &"start_requests", kind_of(&error), &error).await;
                shared.start_outputs(Vec::new());
            }
            Ok(output) => shared.start_outputs(vec![output]),
            Err(panic) => {
                let error = BoxError::msg(panic_message(&*panic));
                spider_error(shared, &"start_requests", "Panic", &error).await;
                break;
            }
        }
    }
}

/// Logs and counts a failed or panicking callback, and tells the `spider_error` handlers;
/// the crawl goes on.
async fn spider_error(
    shared: &Shared,
    url: &(dyn std::fmt::Display + Sync),
    kind: &str,
    error: &BoxError,
) {
    let crawler = &shared.crawler;
    crawler.stats().inc_named("spider_exceptions/", kind);
    tracing::error!("Spider error processing <{url}>: {error:#}");
    let signals = &shared.parts.components.signals;
    if signals.has(SignalKind::SpiderError) {
        signals
            .send(
                Signal::SpiderError {
                    url: &url.to_string(),
                    error,
                },
                crawler,
            )
            .await;
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    format!("callback panicked: {}", crate::error::panic_message(panic))
}

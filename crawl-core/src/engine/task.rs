//! The work on one request: download it through the downloader middlewares, then run its
//! callback through the spider middlewares and forward the outputs.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::{FutureExt, StreamExt};
use tokio::sync::mpsc::{Sender, UnboundedSender};

use super::Event;
use crate::error::kind_of;
use crate::middleware::{DownloadResult, IgnoreRequest, Origin};
use crate::signals::{Signal, SignalKind};
use crate::{BoxError, Crawler, Output, OutputStream, Request, Spider};

/// Most outputs sent to the engine in one event.
const OUTPUT_BATCH: usize = 256;

/// Downloads `request`, then feeds its response to the callback it names.
pub(super) async fn process(
    crawler: Crawler,
    spider: Arc<dyn Spider>,
    request: Request,
    events: UnboundedSender<Event>,
    output_sender: Sender<Vec<Output>>,
) {
    let callback = request.callback.clone();
    let described = format!("<{} {}>", request.method, request.url);
    let download = crawler.components().downloader.download(request, &crawler);
    let result = match AssertUnwindSafe(download).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let message = crate::error::panic_message(&*panic);
            DownloadResult::Failed(BoxError::msg(format!(
                "a downloader middleware panicked: {message}"
            )))
        }
    };
    let _ = events.send(Event::DownloadDone);
    match result {
        DownloadResult::Response(response) => {
            crawler.stats().inc("response_received_count");
            tracing::debug!(status = response.status.as_u16(), "Crawled {described}");
            let components = crawler.components();
            if components.signals.has(SignalKind::ResponseReceived) {
                let signal = Signal::ResponseReceived {
                    response: &response,
                };
                components.signals.send(signal, &crawler).await;
            }
            let chain = &components.spider;
            let origin = Arc::new(Origin::of(&response));
            let url = response.url.to_string();
            let outputs = match chain.input(&response, &crawler) {
                Ok(()) => chain.output(
                    &origin,
                    spider.call(&callback, response, crawler.clone()),
                    &crawler,
                ),
                Err(error) => match chain.exception(&origin, &error, &crawler) {
                    Some(outputs) => outputs,
                    None => {
                        spider_error(&crawler, &url, kind_of(&error), &error).await;
                        return finish(&events);
                    }
                },
            };
            let last = drive(outputs, Some(&origin), &url, &crawler, &output_sender).await;
            let _ = events.send(Event::Finished(last));
            return;
        }
        DownloadResult::Reschedule(request) => {
            let _ = events.send(Event::Schedule(Box::new(request)));
        }
        DownloadResult::Failed(error) => match error.downcast_ref::<IgnoreRequest>() {
            Some(ignored) => tracing::debug!("Ignoring {described}: {}", ignored.0),
            None => tracing::error!("Error downloading {described}: {error:#}"),
        },
    }
    finish(&events);
}

fn finish(events: &UnboundedSender<Event>) {
    let _ = events.send(Event::TaskDone);
}

/// Polls a callback's stream to its end, forwarding outputs (through a bounded channel, so a
/// callback waits when the engine lags: memory stays bounded) and reporting errors and panics
/// (a panic ends that callback only). Spider middlewares may replace an error by outputs.
/// Returns the last outputs, not yet sent.
pub(super) async fn drive(
    stream: OutputStream,
    origin: Option<&Arc<Origin>>,
    url: &str,
    crawler: &Crawler,
    outputs: &Sender<Vec<Output>>,
) -> Vec<Output> {
    // Outputs ready together travel as one event: one wake-up of the engine per batch. The
    // last batch is returned unsent, to travel with the task's end.
    let mut chunks = AssertUnwindSafe(stream)
        .catch_unwind()
        .ready_chunks(OUTPUT_BATCH);
    let mut held: Vec<Output> = Vec::new();
    while let Some(chunk) = chunks.next().await {
        if !held.is_empty() {
            let _ = outputs.send(std::mem::take(&mut held)).await;
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
                let _ = outputs.send(std::mem::take(&mut held)).await;
            }
            let replacement = origin.and_then(|origin| {
                crawler
                    .components()
                    .spider
                    .exception(origin, &error, crawler)
            });
            match replacement {
                Some(replacement) => {
                    held = Box::pin(drive(replacement, None, url, crawler, outputs)).await
                }
                None => spider_error(crawler, url, kind, &error).await,
            }
        }
    }
    held
}

/// Logs and counts a failed or panicking callback, and tells the `spider_error` handlers;
/// the crawl goes on.
async fn spider_error(crawler: &Crawler, url: &str, kind: &str, error: &BoxError) {
    crawler.stats().inc(format!("spider_exceptions/{kind}"));
    tracing::error!("Spider error processing <{url}>: {error:#}");
    let signals = &crawler.components().signals;
    if signals.has(SignalKind::SpiderError) {
        signals
            .send(Signal::SpiderError { url, error }, crawler)
            .await;
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    format!("callback panicked: {}", crate::error::panic_message(panic))
}

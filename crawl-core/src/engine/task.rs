//! The work on one request: download it, then run its callback and forward the outputs.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::StreamExt;
use tokio::sync::mpsc::UnboundedSender;

use super::Event;
use crate::error::kind_of;
use crate::{BoxError, Crawler, Output, OutputStream, Request, Response, Spider};

/// Meta key: a list of non-2xx status codes this request's callback handles.
pub const HANDLE_HTTPSTATUS_LIST_META: &str = "handle_httpstatus_list";
/// Meta key: `true` passes every status to the callback.
pub const HANDLE_HTTPSTATUS_ALL_META: &str = "handle_httpstatus_all";

/// Downloads `request`, then feeds its response to the callback it names.
pub(super) async fn process(
    crawler: Crawler,
    spider: Arc<dyn Spider>,
    request: Request,
    events: UnboundedSender<Event>,
) {
    let depth = request.depth;
    let callback = request.callback.clone();
    let described = format!("<{} {}>", request.method, request.url);
    let result = crawler.downloader().fetch(request).await;
    let _ = events.send(Event::DownloadDone);
    match result {
        Ok(response) => {
            crawler.stats().inc("response_received_count");
            tracing::debug!(status = response.status.as_u16(), "Crawled {described}");
            if status_allowed(&response, &crawler) {
                let url = response.url.to_string();
                let stream = spider.call(&callback, response, crawler.clone());
                drive(stream, Some(depth), &url, &crawler, &events).await;
            } else {
                let status = response.status.as_u16();
                crawler.stats().inc("httperror/response_ignored_count");
                crawler
                    .stats()
                    .inc(format!("httperror/response_ignored_status_count/{status}"));
                tracing::info!(
                    "Ignoring response <{status} {}>: HTTP status code is not handled or not allowed",
                    response.url
                );
            }
        }
        Err(error) => {
            tracing::error!("Error downloading {described}: {error}");
        }
    }
    let _ = events.send(Event::TaskDone);
}

/// Polls a callback's stream to its end, forwarding outputs and reporting errors and panics
/// (a panic ends that callback only).
pub(super) async fn drive(
    stream: OutputStream,
    parent_depth: Option<u32>,
    url: &str,
    crawler: &Crawler,
    events: &UnboundedSender<Event>,
) {
    let mut stream = AssertUnwindSafe(stream).catch_unwind();
    while let Some(next) = stream.next().await {
        match next {
            Ok(Output::Error(error)) => spider_error(crawler, url, kind_of(&error), &error),
            Ok(output) => {
                let _ = events.send(Event::Output {
                    output,
                    parent_depth,
                });
            }
            Err(panic) => {
                let error = BoxError::msg(panic_message(&*panic));
                spider_error(crawler, url, "Panic", &error);
            }
        }
    }
}

/// Logs and counts a failed or panicking callback; the crawl goes on.
fn spider_error(crawler: &Crawler, url: &str, kind: &str, error: &BoxError) {
    crawler.stats().inc(format!("spider_exceptions/{kind}"));
    tracing::error!("Spider error processing <{url}>: {error:#}");
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        format!("callback panicked: {text}")
    } else if let Some(text) = panic.downcast_ref::<String>() {
        format!("callback panicked: {text}")
    } else {
        "callback panicked".to_owned()
    }
}

/// Scrapy's HttpError rule: 2xx, or a status the request or the settings allow.
fn status_allowed(response: &Response, crawler: &Crawler) -> bool {
    let status = response.status.as_u16();
    if (200..300).contains(&status) {
        return true;
    }
    let meta = response.meta();
    if meta
        .get(HANDLE_HTTPSTATUS_ALL_META)
        .and_then(|v| v.as_bool())
        == Some(true)
    {
        return true;
    }
    if let Some(list) = meta
        .get(HANDLE_HTTPSTATUS_LIST_META)
        .and_then(|v| v.as_array())
    {
        return list
            .iter()
            .any(|code| code.as_u64() == Some(u64::from(status)));
    }
    let settings = crawler.settings();
    settings.httperror_allow_all || settings.httperror_allowed_codes.contains(&status)
}

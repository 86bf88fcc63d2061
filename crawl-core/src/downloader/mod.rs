//! The downloader: one shared HTTP client behind per-domain slots, with timeouts and size limits.

mod body;
mod slots;

pub use slots::{Slot, Slots};

use std::sync::Arc;
use std::time::Duration;

use crate::{Error, Request, Response, Settings, Stats};

/// Meta key naming the slot a request downloads in (Scrapy's `download_slot`).
pub const DOWNLOAD_SLOT_META: &str = "download_slot";
/// Meta key overriding `DOWNLOAD_TIMEOUT` for one request, in seconds.
pub const DOWNLOAD_TIMEOUT_META: &str = "download_timeout";

/// Downloads requests: slots, the HTTP client, size limits and the downloader stats.
pub struct Downloader {
    client: reqwest::Client,
    slots: Slots,
    settings: Arc<Settings>,
    stats: Stats,
}

impl Downloader {
    /// A downloader configured by `settings`, counting into `stats`.
    pub fn new(settings: Arc<Settings>, stats: Stats) -> Result<Self, Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true)
            .pool_max_idle_per_host(settings.concurrent_requests_per_domain.max(1))
            .user_agent(settings.user_agent.clone())
            .build()
            .map_err(|error| Error::Usage(format!("cannot build the HTTP client: {error}")))?;
        let slots = Slots::new(
            settings.concurrent_requests_per_domain,
            Duration::from_secs_f64(settings.download_delay.max(0.0)),
            settings.randomize_download_delay,
        );
        Ok(Downloader {
            client,
            slots,
            settings,
            stats,
        })
    }

    /// The slot key of `request`: its `download_slot` meta, else its host.
    pub fn slot_key(request: &Request) -> String {
        match request
            .meta
            .get(DOWNLOAD_SLOT_META)
            .and_then(|v| v.as_str())
        {
            Some(key) => key.to_owned(),
            None => request.url.host_str().unwrap_or_default().to_owned(),
        }
    }

    /// Downloads `request` in its slot and counts it in the stats.
    pub async fn fetch(&self, request: Request) -> Result<Response, Error> {
        let slot = self.slots.get(&Self::slot_key(&request));
        let _permit = slot.acquire().await;
        self.stats.inc("downloader/request_count");
        self.stats.inc(format!(
            "downloader/request_method_count/{}",
            request.method
        ));
        let result = self.send(request).await;
        match &result {
            Ok(response) => {
                self.stats.inc("downloader/response_count");
                self.stats.inc(format!(
                    "downloader/response_status_count/{}",
                    response.status.as_u16()
                ));
                self.stats
                    .inc_by("downloader/response_bytes", response.body.len() as i64);
            }
            Err(error) => {
                self.stats.inc("downloader/exception_count");
                self.stats
                    .inc(format!("downloader/exception_type_count/{}", error.kind()));
            }
        }
        result
    }

    async fn send(&self, request: Request) -> Result<Response, Error> {
        let timeout = request
            .meta
            .get(DOWNLOAD_TIMEOUT_META)
            .and_then(|v| v.as_f64())
            .unwrap_or(self.settings.download_timeout);
        let builder = self
            .client
            .request(request.method.clone(), request.url.clone())
            .headers(request.headers.clone())
            .body(request.body.clone())
            .timeout(Duration::from_secs_f64(timeout.max(0.001)));
        let download = async {
            let response = builder
                .send()
                .await
                .map_err(|e| network_error(&request, e))?;
            let status = response.status();
            let headers = response.headers().clone();
            let url = response.url().clone();
            let body = body::read_limited(response, &request, &self.settings).await?;
            Ok::<_, Error>((status, headers, url, body))
        };
        let (status, headers, url, body) = download.await?;
        Ok(Response::new(request, url, status, headers, body))
    }
}

/// Maps a client error to [`Error::Download`] with Scrapy-like kind names.
pub(crate) fn network_error(request: &Request, error: reqwest::Error) -> Error {
    let kind = if error.is_timeout() {
        "TimeoutError"
    } else if error.is_connect() {
        "ConnectionRefusedError"
    } else if error.is_body() || error.is_decode() {
        "ResponseFailed"
    } else {
        "RequestError"
    };
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    Error::Download {
        url: request.url.to_string(),
        kind,
        message,
    }
}

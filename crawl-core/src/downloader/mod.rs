//! The downloader: HTTP clients behind per-domain slots, with timeouts and size limits.

mod body;
mod clients;
pub(crate) mod decode;
mod dns;
mod failure;
mod io;
mod slots;

pub use body::DOWNLOAD_MAXSIZE_META;
pub use clients::{Proxy, PROXY_META};
pub use slots::{parse_download_slots, Slot, SlotConfig, Slots};

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::response::ResponseLimits;
use crate::{Error, Request, Response, Settings, Stats};
use failure::network_error;

/// Meta key naming the slot a request downloads in (Scrapy's `download_slot`).
pub const DOWNLOAD_SLOT_META: &str = "download_slot";
/// Meta key overriding `DOWNLOAD_TIMEOUT` for one request, in seconds.
pub const DOWNLOAD_TIMEOUT_META: &str = "download_timeout";
/// Meta key overriding `DOWNLOAD_WARNSIZE` for one request.
pub const DOWNLOAD_WARNSIZE_META: &str = "download_warnsize";
/// Meta key set on a response's request: seconds from sending the request to receiving the
/// response headers (Scrapy's `download_latency`).
pub const DOWNLOAD_LATENCY_META: &str = "download_latency";

/// Downloads requests: slots, the HTTP clients, size limits and the downloader stats.
pub struct Downloader {
    clients: clients::Clients,
    slots: Arc<Slots>,
    settings: Arc<Settings>,
    stats: Stats,
    /// The bodies' memory budget and parse limits, shared by every response.
    limits: Arc<ResponseLimits>,
}

impl Downloader {
    /// A downloader configured by `settings`, counting into `stats`.
    pub fn new(settings: Arc<Settings>, stats: Stats) -> Result<Self, Error> {
        let overrides = parse_download_slots(&settings.download_slots).map_err(|error| {
            tracing::error!("invalid DOWNLOAD_SLOTS: {error}");
            Error::InvalidSetting {
                name: "DOWNLOAD_SLOTS".to_owned(),
                value: settings.download_slots.clone(),
                expected: "a JSON object of slot keys to {\"concurrency\", \"delay\", \"randomize_delay\", \"throttle\"}",
            }
        })?;
        let slots = Arc::new(Slots::new(
            settings.concurrent_requests_per_domain,
            Duration::from_secs_f64(settings.download_delay.max(0.0)),
            settings.randomize_download_delay,
            overrides,
        ));
        Ok(Downloader {
            clients: clients::Clients::new(&settings)?,
            slots,
            limits: ResponseLimits::new(&settings, stats.clone()),
            settings,
            stats,
        })
    }

    /// The slot key of `request`: its `download_slot` meta, else its host.
    pub fn slot_key(request: &Request) -> &str {
        match request
            .meta
            .get(DOWNLOAD_SLOT_META)
            .and_then(|v| v.as_str())
        {
            Some(key) => key,
            None => request.url.host_str().unwrap_or_default(),
        }
    }

    /// The download slots (AutoThrottle changes their delays).
    pub fn slots(&self) -> &Slots {
        &self.slots
    }

    /// The download slots, shared (the frontier paces hosts by them).
    pub fn shared_slots(&self) -> Arc<Slots> {
        self.slots.clone()
    }

    /// Downloads `request` in its slot and counts it in the stats; on failure the request
    /// comes back with the error, for the middlewares' `process_exception`.
    pub async fn fetch(&self, request: Request) -> Result<Response, (Request, Error)> {
        let slot = self.slots.get(Self::slot_key(&request));
        let paced = request.meta.contains_key(crate::frontier::PACED_META);
        let _permit = slot.acquire_paced(paced).await;
        self.stats.inc("downloader/request_count");
        self.stats
            .inc_named("downloader/request_method_count/", &request.method);
        let result = self.send(request).await;
        match &result {
            Ok(response) => {
                self.stats.inc("downloader/response_count");
                self.stats.inc_named(
                    "downloader/response_status_count/",
                    response.status.as_u16(),
                );
                self.stats
                    .inc_by("downloader/response_bytes", response.body.len() as i64);
            }
            Err((_, error)) => {
                match error {
                    Error::TooLarge { .. } => self.stats.inc("downloader/response_refused_maxsize"),
                    Error::OverMemoryBudget { .. } => {
                        self.stats.inc("downloader/response_refused_memory")
                    }
                    _ => {}
                }
                self.stats.inc("downloader/exception_count");
                self.stats
                    .inc_named("downloader/exception_type_count/", error.kind());
            }
        }
        result
    }

    async fn send(&self, request: Request) -> Result<Response, (Request, Error)> {
        let timeout = request
            .meta
            .get(DOWNLOAD_TIMEOUT_META)
            .and_then(|v| v.as_f64())
            .unwrap_or(self.settings.download_timeout);
        let (client, headers) = match self.clients.for_request(&request) {
            Ok(chosen) => chosen,
            Err(error) => return Err((request, error)),
        };
        let builder = client
            .request(request.method.clone(), request.url.clone())
            .headers(headers)
            .body(request.body.clone())
            .timeout(Duration::from_secs_f64(timeout.max(0.001)));
        let settings = self.settings.clone();
        let mut charge = self.limits.charge();
        // The network side runs on the downloader's own threads ([`io`]): callbacks parsing
        // large pages on the crawl's workers never hold up a socket.
        let exchange = io::spawn(async move {
            let started = Instant::now();
            let download = async {
                let response = builder
                    .send()
                    .await
                    .map_err(|e| network_error(&request, e))?;
                let latency = started.elapsed();
                let status = response.status();
                let headers = response.headers().clone();
                let url = response.url().clone();
                let body = body::read_limited(response, &request, &settings, &mut charge).await?;
                Ok::<_, Error>((status, headers, url, body, latency, charge))
            };
            let result = download.await;
            (request, result)
        });
        let (mut request, result) = exchange.await;
        match result {
            Ok((status, headers, url, body, latency, charge)) => {
                request.meta.insert(
                    DOWNLOAD_LATENCY_META.to_owned(),
                    latency.as_secs_f64().into(),
                );
                Ok(Response::new(request, url, status, headers, body).with_charge(charge))
            }
            Err(error) => Err((request, error)),
        }
    }
}

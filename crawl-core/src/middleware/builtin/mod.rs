//! The built-in middlewares, with Scrapy's names and default orders. Each is the same kind
//! of value as a user middleware, and `DOWNLOADER_MIDDLEWARES` / `SPIDER_MIDDLEWARES` move
//! or disable it by name.

mod compression;
mod cookies;
mod default_headers;
mod depth;
mod http_cache;
mod httperror;
mod meta_refresh;
mod offsite;
mod proxy;
mod redirect;
mod referer;
mod retry;
mod robots;
mod timeout;
mod url_length;
mod user_agent;

/// Meta keys read by the HttpError middleware.
pub mod httperror_meta {
    pub use super::httperror::{HANDLE_HTTPSTATUS_ALL_META, HANDLE_HTTPSTATUS_LIST_META};
}

pub use httperror::HttpStatusError;

use super::{DownloaderMiddlewareEntry, SpiderMiddlewareEntry};

/// The built-in downloader middlewares.
pub static DOWNLOADER: &[DownloaderMiddlewareEntry] = &[
    offsite::ENTRY,
    robots::ENTRY,
    timeout::ENTRY,
    default_headers::ENTRY,
    user_agent::ENTRY,
    retry::ENTRY,
    meta_refresh::ENTRY,
    compression::ENTRY,
    redirect::ENTRY,
    cookies::ENTRY,
    proxy::ENTRY,
    http_cache::ENTRY,
];

/// The built-in spider middlewares.
pub static SPIDER: &[SpiderMiddlewareEntry] = &[
    httperror::ENTRY,
    referer::ENTRY,
    url_length::ENTRY,
    depth::ENTRY,
];

//! Middlewares: Scrapy's hooks outside, a chain built once per crawl inside.
//!
//! Downloader middlewares see requests on their way to the downloader (in ascending
//! order) and responses and errors on their way back (in descending order). Spider
//! middlewares see the start requests, each response before its callback, and the stream
//! of each callback's outputs. Built-ins and user middlewares (`#[middleware]`) are the
//! same kind of value, enabled, reordered or disabled by `DOWNLOADER_MIDDLEWARES` and
//! `SPIDER_MIDDLEWARES`.

pub mod builtin;
mod downloader;
mod spider;

pub use builtin::httperror_meta::{HANDLE_HTTPSTATUS_ALL_META, HANDLE_HTTPSTATUS_LIST_META};
pub use builtin::HttpStatusError;
pub use downloader::{
    DownloadResult, DownloaderChain, DownloaderHooks, DownloaderMiddleware,
    DownloaderMiddlewareEntry, ExceptionOutcome, IgnoreRequest, RequestOutcome, ResponseOutcome,
};
pub use spider::{Origin, SpiderChain, SpiderMiddleware, SpiderMiddlewareEntry};

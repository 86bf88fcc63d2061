//! # The crawl guide
//!
//! A guide to writing crawlers with crawl, chapter by chapter, for readers new to crawl and for
//! readers who know Scrapy. Every example is compiled as a doc test; those that need no network
//! also run, against crawl's embedded demo site on 127.0.0.1.
//!
//! Read it with `cargo doc -p crawl-core --open` (or on docs.rs) under `crawl_core::_guide`.
//! These modules hold documentation only: nothing here is code to call.
//!
//! ## Chapters
//!
//! 1. [`first_spider`]: a spider, its callbacks, running it.
//! 2. [`selectors`]: CSS and XPath queries with Scrapy's (parsel's) semantics, XML documents.
//! 3. [`toolkit`]: following links, forms, JSON APIs, errbacks and typed callback arguments,
//!    link extractors, rules and sitemaps.
//! 4. [`items_and_pipelines`]: item types, pipelines, dropping items.
//! 5. [`middlewares`]: downloader and spider middlewares.
//! 6. [`settings`]: where settings come from, and the reference of every setting.
//! 7. [`feeds`]: writing items to JSON, JSON lines, CSV and XML.
//! 8. [`signals`]: async handlers for the steps of a crawl.
//! 9. [`command_line`]: the `main` crawl generates, its subcommands and flags.
//! 10. [`long_crawls`]: long crawls and many workers: in memory, in a job dir, on Redis.
//! 11. [`deploying`]: stopping, exit codes, logs.
//! 12. [`coming_from_scrapy`]: every Scrapy concept and its crawl counterpart.

#[doc = include_str!("first_spider.md")]
pub mod first_spider {}

#[doc = include_str!("selectors.md")]
pub mod selectors {}

#[doc = include_str!("toolkit.md")]
pub mod toolkit {}

#[doc = include_str!("items_and_pipelines.md")]
pub mod items_and_pipelines {}

#[doc = include_str!("middlewares.md")]
pub mod middlewares {}

#[doc = include_str!("settings.md")]
#[doc = include_str!("../settings/reference.md")]
pub mod settings {}

#[doc = include_str!("feeds.md")]
pub mod feeds {}

#[doc = include_str!("signals.md")]
pub mod signals {}

#[doc = include_str!("command_line.md")]
pub mod command_line {}

#[doc = include_str!("long_crawls.md")]
pub mod long_crawls {}

#[doc = include_str!("deploying.md")]
pub mod deploying {}

#[doc = include_str!("coming_from_scrapy.md")]
pub mod coming_from_scrapy {}

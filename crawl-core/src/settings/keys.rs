//! The table of every setting crawl knows: Scrapy's name, the field, its type and its default.
//!
//! This file is shared, unchanged, with `crawl-macros` (which includes it by path to check
//! setting keys while compiling), so it names nothing outside itself.

/// Calls `$callback!` with every setting as `#[doc] NAME field: Type = default;`.
macro_rules! crawl_settings_table {
    ($callback:ident) => {
        $callback! {
            /// The bot's name, used in the default user agent and in logs.
            BOT_NAME bot_name: String = "crawl".to_owned();
            /// Maximum concurrent requests across all domains.
            CONCURRENT_REQUESTS concurrent_requests: usize = 16;
            /// Maximum concurrent requests to one domain (download slot).
            CONCURRENT_REQUESTS_PER_DOMAIN concurrent_requests_per_domain: usize = 8;
            /// Maximum items processed by pipelines at once.
            CONCURRENT_ITEMS concurrent_items: usize = 100;
            /// Seconds to wait between two downloads from the same slot.
            DOWNLOAD_DELAY download_delay: f64 = 0.0;
            /// Wait between 0.5 and 1.5 times `DOWNLOAD_DELAY`.
            RANDOMIZE_DOWNLOAD_DELAY randomize_download_delay: bool = true;
            /// Seconds before a download times out.
            DOWNLOAD_TIMEOUT download_timeout: f64 = 180.0;
            /// Maximum response size in bytes (0 disables the limit).
            DOWNLOAD_MAXSIZE download_maxsize: u64 = 1024 * 1024 * 1024;
            /// Response size in bytes above which a warning is logged (0 disables it).
            DOWNLOAD_WARNSIZE download_warnsize: u64 = 32 * 1024 * 1024;
            /// Maximum depth of a request below the start requests (0: no limit).
            DEPTH_LIMIT depth_limit: u32 = 0;
            /// Adjusts priority by depth: positive for breadth-first, negative for depth-first.
            DEPTH_PRIORITY depth_priority: i32 = 0;
            /// Count requests per depth in `request_depth_count/<depth>`.
            DEPTH_STATS_VERBOSE depth_stats_verbose: bool = false;
            /// The `User-Agent` header sent with every request.
            USER_AGENT user_agent: String = concat!("crawl/", env!("CARGO_PKG_VERSION"), " (+https://github.com/crawl-rs/crawl)").to_owned();
            /// Minimum level of log messages: TRACE, DEBUG, INFO, WARN or ERROR.
            LOG_LEVEL log_level: String = "INFO".to_owned();
            /// Seconds between two progress lines ("Crawled N pages ...").
            LOGSTATS_INTERVAL logstats_interval: f64 = 60.0;
            /// Drop requests whose fingerprint was already seen.
            DUPEFILTER_ENABLED dupefilter_enabled: bool = true;
            /// Log every filtered duplicate, not only the first.
            DUPEFILTER_DEBUG dupefilter_debug: bool = false;
            /// Non-2xx status codes passed to callbacks anyway.
            HTTPERROR_ALLOWED_CODES httperror_allowed_codes: Vec<u16> = Vec::new();
            /// Pass every response to callbacks, whatever its status.
            HTTPERROR_ALLOW_ALL httperror_allow_all: bool = false;
            /// Order of requests sharing a priority: `lifo` (Scrapy's default) or `fifo`.
            SCHEDULER_MEMORY_QUEUE scheduler_memory_queue: String = "lifo".to_owned();
            /// Obey robots.txt rules.
            ROBOTSTXT_OBEY robotstxt_obey: bool = true;
        }
    };
}

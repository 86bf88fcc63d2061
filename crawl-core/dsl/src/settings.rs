//! The table of every setting crawl knows: Scrapy's name, the field, its type and its default.
//!
//! crawl-core builds its `Settings` struct and the settings reference from it, and this crate
//! builds [`crate::keys::SETTINGS`] from it, with which `crawl-macros` checks setting keys while
//! compiling. The rows name types (`ComponentOrders`, `StringMap`) that resolve where the
//! callback expands, in crawl-core.

/// Calls `$callback!` with every setting as `#[doc] NAME field: Type = default;`.
#[macro_export]
macro_rules! crawl_settings_table {
    ($callback:ident) => {
        $callback! {
            /// The bot's (the project's) name, shown in the crawl's start log line,
            /// `crawl 0.1.0 started (bot: NAME)`.
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
            /// Host names resolved to fixed addresses instead of asking the system's resolver
            /// (`{"shop.example.com": "10.0.0.1", "*.test": "127.0.0.1", "*": "::1"}`): an exact
            /// name first, then the longest `*.suffix` pattern, then `*`; other names are
            /// resolved as usual. Also used for the proxies' names.
            DNS_OVERRIDE dns_override: StringMap = StringMap::default();
            /// Seconds before a download times out.
            DOWNLOAD_TIMEOUT download_timeout: f64 = 180.0;
            /// Maximum response size in bytes (0 disables the limit).
            DOWNLOAD_MAXSIZE download_maxsize: u64 = 1024 * 1024 * 1024;
            /// Response size in bytes above which a warning is logged (0 disables it).
            DOWNLOAD_WARNSIZE download_warnsize: u64 = 32 * 1024 * 1024;
            /// Most bytes of response bodies held in memory at once, while read, decompressed and
            /// parsed (0: no budget); a body that would go past it is refused.
            DOWNLOAD_MAXMEMORY download_maxmemory: u64 = 512 * 1024 * 1024;
            /// Deepest element nesting kept when parsing HTML (0: no cap); deeper start tags
            /// are dropped, their text kept.
            HTML_MAXDEPTH html_maxdepth: usize = 512;
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
            /// The job dir of a durable crawl (`--job-dir DIR`): the frontier, the seen set, the
            /// spider's state, stats and each feed's committed length survive a pause (Ctrl-C) or
            /// a kill; the same command resumes. Empty: the crawl lives in memory only.
            JOBDIR jobdir: String = String::new();
            /// Make each job dir commit durable on disk (fsync the feeds, then the store) before
            /// its requests count as done. Without it a commit survives a killed process (the
            /// operating system still writes it) but not a power loss or an OS crash (after which
            /// the job dir may be refused as corrupt); with it, commits cost an fsync each (they
            /// are grouped, so not one per page).
            JOBDIR_SYNC jobdir_sync: bool = false;
            /// Where the crawl's requests live: `memory` (one process, or `--job-dir`) or `redis`
            /// (a frontier shared by every worker pointed at `REDIS_URL`; feature `redis`).
            SCHEDULER scheduler: String = "memory".to_owned();
            /// The Redis of a shared crawl (`SCHEDULER=redis`): `redis://host:port/db`.
            REDIS_URL redis_url: String = "redis://127.0.0.1:6379/0".to_owned();
            /// The prefix of a shared crawl's keys in Redis (empty: `crawl:<spider name>`).
            REDIS_KEY_PREFIX redis_key_prefix: String = String::new();
            /// Seconds a worker's lease on a request lasts unless extended; a dead worker's
            /// requests go to another worker once their leases expire.
            REDIS_LEASE_SECS redis_lease_secs: f64 = 30.0;
            /// Seconds a worker waits for an unreachable Redis, retrying with backoff, before
            /// its spider closes (`redis_unreachable`); what it committed stays committed.
            REDIS_RETRY_SECS redis_retry_secs: f64 = 300.0;
            /// A Redis stream every item of a shared crawl is appended to (`XADD KEY * item
            /// JSON`) in the same atomic step as its request's ack: exactly once across workers
            /// and kills (empty: none). The key is kept when the crawl ends.
            REDIS_ITEMS_KEY redis_items_key: String = String::new();
            /// The name this worker's leases and feed commits are kept under in Redis (empty:
            /// the host name and the feeds' paths, so the same command on the same machine
            /// resumes its own feeds).
            REDIS_WORKER_ID redis_worker_id: String = String::new();
            /// Keep a shared crawl's keys in Redis when it ends (scrapy-redis's name): a later
            /// run with the same prefix sees its seen set.
            SCHEDULER_PERSIST scheduler_persist: bool = false;
            /// Delete a shared crawl's keys in Redis before it starts (scrapy-redis's name).
            SCHEDULER_FLUSH_ON_START scheduler_flush_on_start: bool = false;
            /// Obey robots.txt rules.
            ROBOTSTXT_OBEY robotstxt_obey: bool = true;
            /// The user agent matched against robots.txt groups (default: `USER_AGENT`).
            ROBOTSTXT_USER_AGENT robotstxt_user_agent: Option<String> = None;
            /// Downloader middlewares to move (`{"Name": 543}`) or disable (`{"Name": null}`).
            DOWNLOADER_MIDDLEWARES downloader_middlewares: ComponentOrders = ComponentOrders::default();
            /// Spider middlewares to move or disable, as `DOWNLOADER_MIDDLEWARES`.
            SPIDER_MIDDLEWARES spider_middlewares: ComponentOrders = ComponentOrders::default();
            /// Item pipelines to move or disable, as `DOWNLOADER_MIDDLEWARES`.
            ITEM_PIPELINES item_pipelines: ComponentOrders = ComponentOrders::default();
            /// Feeds as Scrapy's FEEDS: `{"items.csv": {"format": "csv", "overwrite": true}}`.
            FEEDS feeds: String = String::new();
            /// Headers added to every request that does not set them.
            DEFAULT_REQUEST_HEADERS default_request_headers: StringMap = StringMap::default_request_headers();
            /// Retry failed downloads and retryable statuses.
            RETRY_ENABLED retry_enabled: bool = true;
            /// Retries per request, besides the first download.
            RETRY_TIMES retry_times: u32 = 2;
            /// Statuses that are retried.
            RETRY_HTTP_CODES retry_http_codes: Vec<u16> = vec![500, 502, 503, 504, 522, 524, 408, 429];
            /// Priority change of a retried request.
            RETRY_PRIORITY_ADJUST retry_priority_adjust: i32 = -1;
            /// First retry's backoff in seconds, doubled each retry, with jitter (0: none).
            RETRY_BACKOFF_BASE retry_backoff_base: f64 = 0.5;
            /// Longest backoff (and longest `Retry-After` honoured) in seconds.
            RETRY_BACKOFF_MAX retry_backoff_max: f64 = 60.0;
            /// Follow HTTP redirects.
            REDIRECT_ENABLED redirect_enabled: bool = true;
            /// Most redirects followed for one request.
            REDIRECT_MAX_TIMES redirect_max_times: u32 = 20;
            /// Priority change of a redirected request.
            REDIRECT_PRIORITY_ADJUST redirect_priority_adjust: i32 = 2;
            /// Follow `<meta http-equiv="refresh">` redirects.
            METAREFRESH_ENABLED metarefresh_enabled: bool = true;
            /// Longest meta-refresh delay (seconds) that is followed.
            METAREFRESH_MAXDELAY metarefresh_maxdelay: f64 = 100.0;
            /// Keep cookies per spider and send them back.
            COOKIES_ENABLED cookies_enabled: bool = true;
            /// Log cookies sent and received.
            COOKIES_DEBUG cookies_debug: bool = false;
            /// Decompress gzip, deflate, br and zstd bodies.
            COMPRESSION_ENABLED compression_enabled: bool = true;
            /// Use proxies from the environment and the `proxy` request meta.
            HTTPPROXY_ENABLED httpproxy_enabled: bool = true;
            /// Longest URL followed.
            URLLENGTH_LIMIT urllength_limit: usize = 2083;
            /// Send a `Referer` header.
            REFERER_ENABLED referer_enabled: bool = true;
            /// Per-slot concurrency and delay: `{"example.com": {"concurrency": 1, "delay": 2}}`.
            DOWNLOAD_SLOTS download_slots: String = String::new();
            /// Cache responses on disk.
            HTTPCACHE_ENABLED httpcache_enabled: bool = false;
            /// Directory of the HTTP cache.
            HTTPCACHE_DIR httpcache_dir: String = "httpcache".to_owned();
            /// Seconds a cached response stays fresh (0: forever).
            HTTPCACHE_EXPIRATION_SECS httpcache_expiration_secs: u64 = 0;
            /// `dummy` (cache everything) or `rfc2616` (follow caching headers).
            HTTPCACHE_POLICY httpcache_policy: String = "dummy".to_owned();
            /// Statuses never cached.
            HTTPCACHE_IGNORE_HTTP_CODES httpcache_ignore_http_codes: Vec<u16> = Vec::new();
            /// Adjust delays to the server's latency (Scrapy's AutoThrottle).
            AUTOTHROTTLE_ENABLED autothrottle_enabled: bool = false;
            /// First delay in seconds.
            AUTOTHROTTLE_START_DELAY autothrottle_start_delay: f64 = 5.0;
            /// Longest delay in seconds.
            AUTOTHROTTLE_MAX_DELAY autothrottle_max_delay: f64 = 60.0;
            /// Requests in flight per slot that AutoThrottle aims for.
            AUTOTHROTTLE_TARGET_CONCURRENCY autothrottle_target_concurrency: f64 = 1.0;
            /// Log every delay change.
            AUTOTHROTTLE_DEBUG autothrottle_debug: bool = false;
            /// Close the spider after this many seconds (0: never).
            CLOSESPIDER_TIMEOUT closespider_timeout: f64 = 0.0;
            /// Close the spider after this many items (0: never).
            CLOSESPIDER_ITEMCOUNT closespider_itemcount: u64 = 0;
            /// Close the spider after this many responses (0: never).
            CLOSESPIDER_PAGECOUNT closespider_pagecount: u64 = 0;
            /// Close the spider after this many errors (0: never).
            CLOSESPIDER_ERRORCOUNT closespider_errorcount: u64 = 0;
            /// Where files pipelines store files.
            FILES_STORE files_store: String = String::new();
        }
    };
}

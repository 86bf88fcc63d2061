//! The table of middleware hooks: each one's kind, arguments and form, as crawl-core's
//! `DownloaderMiddleware` and `SpiderMiddleware` traits declare them. `crawl-macros` checks a
//! `#[middleware]` fn or method against it.

/// Downloader or spider middleware.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A hook of `DownloaderMiddleware`.
    Downloader,
    /// A hook of `SpiderMiddleware`.
    Spider,
}

/// One hook: its name, kind, required arguments (type names) and whether it is async.
#[derive(Debug)]
pub struct Hook {
    /// The hook's method name.
    pub name: &'static str,
    /// Which trait the hook belongs to.
    pub kind: Kind,
    /// Required leading arguments, as `&mut T`, `&T` or `T` type texts.
    pub args: &'static [&'static str],
    /// Whether it may take `origin: &Origin` after them.
    pub origin: bool,
    /// Whether the hook is an `async fn`.
    pub is_async: bool,
    /// The hook's accepted form, quoted by error messages.
    pub form: &'static str,
}

/// Every hook.
pub const HOOKS: &[Hook] = &[
    Hook { name: "process_request", kind: Kind::Downloader, args: &["&mut Request"], origin: false, is_async: true,
        form: "`async fn process_request(request: &mut Request)`, returning `()`, `Option<Response>`, `Response` or `Request`, or a `Result` of one" },
    Hook { name: "process_response", kind: Kind::Downloader, args: &["Response"], origin: false, is_async: true,
        form: "`async fn process_response(response: Response)`, returning `Response` or `Request`, or a `Result` of one" },
    Hook { name: "process_exception", kind: Kind::Downloader, args: &["&Request", "&BoxError"], origin: false, is_async: true,
        form: "`async fn process_exception(request: &Request, error: &BoxError)`, returning `()`, `Option<Response>`, `Option<Request>`, `Response` or `Request`, or a `Result` of one" },
    Hook { name: "process_spider_output", kind: Kind::Spider, args: &["OutputStream"], origin: true, is_async: true,
        form: "`async fn process_spider_output(outputs: OutputStream, origin: &Origin)` yielding outputs with `yield_!`" },
    Hook { name: "process_start", kind: Kind::Spider, args: &["OutputStream"], origin: false, is_async: true,
        form: "`async fn process_start(start: OutputStream)` yielding outputs with `yield_!`" },
    Hook { name: "process_spider_input", kind: Kind::Spider, args: &["&Response"], origin: false, is_async: false,
        form: "`fn process_spider_input(response: &Response) -> Result<()>`" },
    Hook { name: "process_spider_exception", kind: Kind::Spider, args: &["&Origin", "&BoxError"], origin: false, is_async: false,
        form: "`fn process_spider_exception(origin: &Origin, error: &BoxError) -> Option<OutputStream>`" },
];

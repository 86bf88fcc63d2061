//! The crate's error type and the `Result` alias user code returns.

/// Errors raised by crawl itself; each names the URL or the setting it concerns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A URL could not be parsed or joined.
    #[error("invalid url `{url}`: {source}")]
    InvalidUrl {
        /// The text that failed to parse.
        url: String,
        /// Why it failed.
        source: url::ParseError,
    },
    /// A setting name is not one crawl knows.
    #[error("unknown setting `{name}`{suggestion}")]
    UnknownSetting {
        /// The name as given.
        name: String,
        /// ", did you mean `X`?" or empty.
        suggestion: String,
    },
    /// A setting value does not parse as the setting's type.
    #[error("invalid value `{value}` for setting `{name}`: expected {expected}")]
    InvalidSetting {
        /// The setting's name.
        name: String,
        /// The value as given.
        value: String,
        /// What the setting takes.
        expected: &'static str,
    },
    /// The download failed at the network level (connect, timeout, reset).
    #[error("download of `{url}` failed: {message}")]
    Download {
        /// The request's URL.
        url: String,
        /// The error's kind, as counted in `downloader/exception_type_count/<kind>`.
        kind: &'static str,
        /// A readable description.
        message: String,
    },
    /// The server's answer is not valid HTTP (an invalid header or status line): reported,
    /// counted in `downloader/exception_type_count/InvalidResponse`, never retried.
    #[error("invalid response from `{url}`: {message}")]
    InvalidResponse {
        /// The request's URL.
        url: String,
        /// What the HTTP parser rejected.
        message: String,
    },
    /// The response is larger than `DOWNLOAD_MAXSIZE`.
    #[error("response from `{url}` is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The request's URL.
        url: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The response's body would take the bodies in memory past `DOWNLOAD_MAXMEMORY`.
    #[error("response from `{url}` refused: {over}")]
    OverMemoryBudget {
        /// The request's URL.
        url: String,
        /// The budget and what was in use.
        over: crate::OverBudget,
    },
    /// A selector failed to parse at run time.
    #[error(transparent)]
    Selector(#[from] crate::selector::SelectorError),
    /// A body is not the JSON expected, or a value does not serialize as JSON.
    #[error("invalid JSON for `{url}`: {source}")]
    Json {
        /// The response's or request's URL.
        url: String,
        /// What serde_json rejected.
        source: serde_json::Error,
    },
    /// A regular expression given to a link extractor or sitemap rule does not compile.
    #[error("invalid regular expression `{pattern}`: {message}")]
    Regex {
        /// The pattern as given.
        pattern: String,
        /// Why it does not compile (the regex crate's reason, on one line).
        message: String,
    },
    /// A request's callback arguments are missing or do not deserialize as the type the
    /// callback takes (counted in `spider_exceptions/CallbackArgs`).
    #[error("invalid arguments for callback `{callback}` of <{url}>: {message}")]
    CallbackArgs {
        /// The callback's name.
        callback: String,
        /// The request's URL.
        url: String,
        /// What is wrong with them.
        message: String,
    },
    /// `FormRequest::from_response` found no form to submit, or no control to click.
    #[error("{0}")]
    Form(String),
    /// An unknown spider or argument, or another usage error of the command line.
    #[error("{0}")]
    Usage(String),
    /// Reading or writing a file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the file.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl Error {
    /// The short kind name used in stats keys such as `spider_exceptions/<kind>`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidUrl { .. } => "InvalidUrl",
            Error::UnknownSetting { .. } | Error::InvalidSetting { .. } => "Setting",
            Error::Download { kind, .. } => kind,
            Error::InvalidResponse { .. } => "InvalidResponse",
            Error::TooLarge { .. } => "TooLarge",
            Error::OverMemoryBudget { .. } => "OverMemoryBudget",
            Error::Selector(_) => "Selector",
            Error::Json { .. } => "Json",
            Error::Form(_) => "Form",
            Error::CallbackArgs { .. } => "CallbackArgs",
            Error::Regex { .. } => "Regex",
            Error::Usage(_) => "Usage",
            Error::Io { .. } => "Io",
        }
    }
}

impl Error {
    /// Compiles `pattern`, or says in one line why it does not compile.
    pub(crate) fn regex(pattern: &str) -> Result<regex::Regex, Error> {
        regex::Regex::new(pattern).map_err(|error| {
            let text = error.to_string();
            let last = text.lines().last().unwrap_or(&text).trim();
            Error::Regex {
                pattern: pattern.to_owned(),
                message: last.strip_prefix("error: ").unwrap_or(last).to_owned(),
            }
        })
    }
}

/// The error user code returns: any error converts into it with `?`.
pub type BoxError = anyhow::Error;

/// The result type of callbacks, pipelines and handlers: `Result<T>` means `Result<T, BoxError>`.
pub type Result<T, E = BoxError> = std::result::Result<T, E>;

/// The kind name of an error for stats keys: crawl's own kind, or `Error` for user errors.
pub(crate) fn kind_of(error: &BoxError) -> &'static str {
    match error.downcast_ref::<Error>() {
        Some(own) => own.kind(),
        None => "Error",
    }
}

/// The text of a caught panic.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic".to_owned()
    }
}

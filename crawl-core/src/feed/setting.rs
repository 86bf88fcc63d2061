//! Feeds from a setting value, like Scrapy's `FEEDS`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{FeedFormat, FeedSpec, FeedTarget};
use crate::Error;

/// Parses a `FEEDS` setting: a JSON object of feed URIs to their options, in order.
///
/// A URI is a path, a `file://` URL, or `-` / `stdout:` for standard output. The options are
/// `format` (a name of [`FeedFormat::NAMES`]; by default the path's extension) and `overwrite`
/// (`true` truncates the file like `-O`; by default items are appended like `-o`).
///
/// ```
/// use crawl_core::feed::{feeds_from_setting, FeedFormat, FeedTarget};
///
/// let feeds = feeds_from_setting(
///     r#"{"items.csv": {"format": "csv", "overwrite": true}, "-": {"format": "jsonl"}}"#,
/// )
/// .unwrap();
/// assert_eq!(feeds[0].target, FeedTarget::File("items.csv".into()));
/// assert!(feeds[0].overwrite);
/// assert_eq!(feeds[1].target, FeedTarget::Stdout);
/// assert_eq!(feeds[1].format, FeedFormat::JsonLines);
/// assert!(feeds_from_setting(r#"{"items.yaml": {}}"#).is_err());
/// ```
pub fn feeds_from_setting(text: &str) -> Result<Vec<FeedSpec>, Error> {
    let value: Value = serde_json::from_str(text)
        .map_err(|error| invalid(format!("`{text}` is not JSON ({error})")))?;
    let Value::Object(feeds) = value else {
        return Err(invalid(format!(
            "`{text}` is not a JSON object of feed URIs to options, such as \
             {{\"items.csv\": {{\"format\": \"csv\"}}}}"
        )));
    };
    feeds
        .iter()
        .map(|(uri, options)| feed(uri, options))
        .collect()
}

/// One feed of the setting.
fn feed(uri: &str, options: &Value) -> Result<FeedSpec, Error> {
    let Value::Object(options) = options else {
        return Err(invalid(format!(
            "the options of feed `{uri}` are `{options}`, not a JSON object"
        )));
    };
    let mut format = None;
    let mut overwrite = false;
    for (key, value) in options {
        match (key.as_str(), value) {
            ("format", Value::String(name)) => {
                format = Some(FeedFormat::from_name(name).ok_or_else(|| {
                    invalid(format!(
                        "unknown format `{name}` for feed `{uri}`, expected one of {}",
                        FeedFormat::NAMES.join(", ")
                    ))
                })?);
            }
            ("overwrite", Value::Bool(value)) => overwrite = *value,
            ("format", _) => return Err(wrong_type(uri, key, value, "a string")),
            ("overwrite", _) => return Err(wrong_type(uri, key, value, "true or false")),
            _ => {
                return Err(invalid(format!(
                    "unknown option `{key}` for feed `{uri}`: crawl supports `format` and `overwrite`"
                )));
            }
        }
    }
    let target = target(uri)?;
    let format = match (format, &target) {
        (Some(format), _) => format,
        (None, FeedTarget::File(path)) => {
            FeedFormat::from_path(path).ok_or_else(|| no_format(uri))?
        }
        (None, FeedTarget::Stdout) => return Err(no_format(uri)),
    };
    Ok(FeedSpec {
        target,
        format,
        overwrite,
    })
}

/// Where the feed `uri` writes.
fn target(uri: &str) -> Result<FeedTarget, Error> {
    if uri == "-" || uri == "stdout:" {
        return Ok(FeedTarget::Stdout);
    }
    if uri.starts_with("file:") {
        return url::Url::parse(uri)
            .ok()
            .and_then(|url| url.to_file_path().ok())
            .map(FeedTarget::File)
            .ok_or_else(|| invalid(format!("`{uri}` is not a valid file URL")));
    }
    if let Some((scheme, _)) = uri.split_once("://") {
        let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if is_scheme {
            return Err(invalid(format!(
                "feed `{uri}`: crawl writes feeds to files and stdout only, not to `{scheme}://`"
            )));
        }
    }
    if uri.is_empty() || Path::new(uri).file_name().is_none() {
        return Err(invalid(format!("feed `{uri}` does not name a file")));
    }
    Ok(FeedTarget::File(PathBuf::from(uri)))
}

fn wrong_type(uri: &str, key: &str, value: &Value, expected: &str) -> Error {
    invalid(format!(
        "`{key}` of feed `{uri}` is `{value}`, expected {expected}"
    ))
}

fn no_format(uri: &str) -> Error {
    invalid(format!(
        "cannot tell the format of feed `{uri}`: give `\"format\"`, one of {}",
        FeedFormat::NAMES.join(", ")
    ))
}

fn invalid(message: String) -> Error {
    Error::Usage(format!("invalid value for setting `FEEDS`: {message}"))
}

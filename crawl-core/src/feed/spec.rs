//! Parsing a feed's target and format from `-o items.csv`, `-o out:jsonl` or `-o -:jsonl`.

use std::fmt;
use std::path::PathBuf;

use super::FeedFormat;
use crate::Error;

/// Where a feed writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedTarget {
    /// Standard output (`-`).
    Stdout,
    /// A file.
    File(PathBuf),
}

impl fmt::Display for FeedTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeedTarget::Stdout => f.write_str("stdout"),
            FeedTarget::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// One feed: target, format, and whether to overwrite (`-O`) or append (`-o`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSpec {
    /// Where to write.
    pub target: FeedTarget,
    /// How to write items.
    pub format: FeedFormat,
    /// Truncate the file first instead of appending.
    pub overwrite: bool,
}

impl fmt::Display for FeedSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.target, self.format.name())
    }
}

impl FeedSpec {
    /// Parses `PATH`, `PATH:FORMAT` or `-:FORMAT`; the format otherwise follows the extension.
    ///
    /// ```
    /// use crawl_core::feed::{FeedFormat, FeedSpec, FeedTarget};
    ///
    /// let spec = FeedSpec::parse("items.jsonl", false).unwrap();
    /// assert_eq!(spec.format, FeedFormat::JsonLines);
    /// let spec = FeedSpec::parse("-:jsonl", false).unwrap();
    /// assert_eq!(spec.target, FeedTarget::Stdout);
    /// assert!(FeedSpec::parse("items.txt", false).is_err());
    /// ```
    pub fn parse(text: &str, overwrite: bool) -> Result<Self, Error> {
        let (path, format) = match text.rsplit_once(':') {
            Some((path, name)) if FeedFormat::from_name(name).is_some() && !path.is_empty() => {
                (path, FeedFormat::from_name(name))
            }
            _ => (text, None),
        };
        let format = match format {
            Some(format) => format,
            None => {
                FeedFormat::from_path(std::path::Path::new(path)).ok_or_else(|| {
                    Error::Usage(format!(
                        "cannot tell the feed format of `{text}`: use an extension or `:FORMAT`, one of {}",
                        FeedFormat::NAMES.join(", ")
                    ))
                })?
            }
        };
        let target = if path == "-" {
            FeedTarget::Stdout
        } else {
            FeedTarget::File(PathBuf::from(path))
        };
        Ok(FeedSpec {
            target,
            format,
            overwrite,
        })
    }

    /// Scrapy's storage name for stats keys.
    pub(crate) fn storage_name(&self) -> &'static str {
        match self.target {
            FeedTarget::Stdout => "StdoutFeedStorage",
            FeedTarget::File(_) => "FileFeedStorage",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_extension_or_suffix() {
        let spec = FeedSpec::parse("out/items.json", true).unwrap();
        assert_eq!(spec.target, FeedTarget::File("out/items.json".into()));
        assert_eq!(spec.format, FeedFormat::Json);
        assert!(spec.overwrite);
        let spec = FeedSpec::parse("out:jsonl", false).unwrap();
        assert_eq!(spec.target, FeedTarget::File("out".into()));
        assert_eq!(spec.format, FeedFormat::JsonLines);
        let spec = FeedSpec::parse("items.jl", false).unwrap();
        assert_eq!(spec.format, FeedFormat::JsonLines);
        let err = FeedSpec::parse("items", false).unwrap_err().to_string();
        assert!(
            err.starts_with("cannot tell the feed format of `items`"),
            "{err}"
        );
    }
}

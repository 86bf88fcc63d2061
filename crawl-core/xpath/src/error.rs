//! The parse error: what was wrong and where.

use std::fmt;

/// An invalid XPath, or an expression that cannot be evaluated (an undefined namespace
/// prefix or variable, a function applied to the wrong type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XPathError {
    /// Lowercase, no trailing period, code in backticks.
    pub message: String,
    /// The byte offset in the expression of the offending part, when known.
    pub offset: Option<usize>,
}

impl XPathError {
    /// An error about `xpath` at `offset`: "invalid xpath `{xpath}`: {detail}".
    pub fn invalid(xpath: &str, detail: impl fmt::Display, offset: usize) -> Self {
        XPathError {
            message: format!("invalid xpath `{xpath}`: {detail}"),
            offset: Some(offset),
        }
    }

    /// An error met while evaluating `xpath`: "xpath `{xpath}`: {detail}".
    pub fn evaluation(xpath: &str, detail: impl fmt::Display) -> Self {
        XPathError {
            message: format!("xpath `{xpath}`: {detail}"),
            offset: None,
        }
    }
}

impl fmt::Display for XPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for XPathError {}

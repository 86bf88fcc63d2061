//! The XPath 1.0 grammar of crawl: a lexer and a recursive-descent parser producing an
//! [`Expr`], with the function library's names and arities checked while parsing.
//!
//! Only parsing lives here, with no dependency on any document type, so that
//! `crawl-macros` can reject an invalid literal XPath while compiling with the very same
//! messages `crawl-core` gives at run time; `crawl-core` evaluates the parsed expression
//! over its documents.
//!
//! ```
//! use crawl_xpath::{parse, Expr};
//!
//! let expr = parse("//div[@class='quote']/span/text()").unwrap();
//! assert!(matches!(expr, Expr::Path(_)));
//!
//! let error = parse("//a[contains(@href)]").unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     "invalid xpath `//a[contains(@href)]`: `contains()` takes 2 arguments, found 1"
//! );
//! assert_eq!(error.offset, Some(4));
//! ```

#![deny(missing_docs)]

mod ast;
mod check;
mod error;
mod functions;
mod lexer;
mod parser;

pub use ast::{Axis, BinaryOp, Expr, NodeTest, PathExpr, PathStart, Step};
pub use error::XPathError;
pub use functions::Function;

/// Parses an XPath 1.0 expression, checking function names and argument counts, and that
/// what must be a node-set can be one (`count('a')` is an error).
///
/// Besides the core function library it knows parsel's `has-class(name, ...)` and EXSLT's
/// `re:test(string, pattern[, flags])`.
pub fn parse(xpath: &str) -> Result<Expr, XPathError> {
    parser::parse(xpath)
}

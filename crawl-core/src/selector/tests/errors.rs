//! Error messages and offsets of invalid queries.

use super::super::*;
use super::{page, query_error};

#[test]
fn invalid_selectors() {
    let err = query_error("div[");
    assert_eq!(
        err.message,
        "invalid css selector `div[`: unexpected end of input"
    );
    assert_eq!(err.offset, Some(4));
    assert_eq!(
        Query::new("div[").unwrap_err().to_string(),
        "invalid selector: invalid css selector `div[`: unexpected end of input"
    );
    let err = query_error("p:nth-child(x)");
    assert_eq!(
        err.message,
        "invalid css selector `p:nth-child(x)`: unexpected `x`"
    );
    assert_eq!(err.offset, Some(12));
    let err = query_error("a:foo::text");
    assert_eq!(
        err.message,
        "invalid css selector `a:foo`: unsupported pseudo-class `foo`"
    );
    assert_eq!(err.offset, Some(2));
    let err = query_error("ul, div..x");
    assert_eq!(
        err.message,
        "invalid css selector `div..x`: expected a class name after `.`, found `.`"
    );
    assert_eq!(err.offset, Some(8));
    assert_eq!(
        query_error("a[x y]").message,
        "invalid css selector `a[x y]`: unexpected `y` in attribute selector"
    );
    assert_eq!(
        query_error("a >").message,
        "invalid css selector `a >`: combinator not followed by a selector"
    );
    assert_eq!(query_error("").message, "empty query");
    assert_eq!(
        query_error("a,,b").message,
        "empty selector in a comma-separated list"
    );
    assert!(page().try_css("div[").is_err());
}

#[test]
fn pseudo_element_errors() {
    let err = query_error("span::txt");
    assert_eq!(
        err.message,
        "unknown pseudo-element `::txt`, expected `::text` or `::attr(name)`"
    );
    assert_eq!(err.offset, Some(4));
    assert_eq!(
        query_error("p::before").message,
        "unknown pseudo-element `::before`, expected `::text` or `::attr(name)`"
    );
    let err = query_error("p::text span");
    assert_eq!(
        err.message,
        "pseudo-element `::text` must be at the end of the selector"
    );
    assert_eq!(err.offset, Some(1));
    assert_eq!(
        query_error("a::attr(href) b").message,
        "pseudo-element `::attr(href)` must be at the end of the selector"
    );
    assert_eq!(
        query_error("a::attr()").message,
        "pseudo-element `::attr()` needs an attribute name, e.g. `::attr(href)`"
    );
    assert_eq!(
        query_error("a::attr(a b)").message,
        "pseudo-element `::attr(a b)` expects one attribute name"
    );
    assert_eq!(
        query_error("a::attr").message,
        "pseudo-element `::attr` needs an attribute name, e.g. `::attr(href)`"
    );
    assert_eq!(
        query_error("a::text()").message,
        "pseudo-element `::text` takes no argument, found `::text()`"
    );
}

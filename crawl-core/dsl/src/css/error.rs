//! Renders `scraper`'s CSS parse errors as readable messages with byte offsets.

use scraper::error::SelectorErrorKind;
use scraper::selector::ToCss;
use scraper::Selector;

use super::QueryError;

/// Renders scraper's parse error for the first group that fails, with its offset.
pub(super) fn css_error<'a>(groups: impl Iterator<Item = (&'a str, usize)>) -> QueryError {
    for (css, offset) in groups.filter(|g| !g.0.is_empty()) {
        let Err(err) = Selector::parse(css) else {
            continue;
        };
        let (detail, token) = describe(&err);
        let local = locate(css, &detail, token.as_deref());
        return QueryError {
            message: format!("invalid css selector `{css}`: {detail}"),
            offset: local.map(|o| offset + o),
        };
    }
    QueryError {
        message: "invalid css selector".to_owned(),
        offset: None,
    }
}

/// The offset of the error in `css`: where the shortest prefix (not cut inside a name)
/// that fails with the same message ends with the offending token.
fn locate(css: &str, detail: &str, token: Option<&str>) -> Option<usize> {
    if detail == "unexpected end of input" {
        return Some(css.len());
    }
    let token = token.filter(|t| !t.is_empty())?;
    let is_name = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    let cuts = css
        .char_indices()
        .map(|(i, _)| i)
        .skip(1)
        .chain([css.len()]);
    let mut tried = 0;
    for end in cuts {
        let inside_name = css[end..].starts_with(is_name) && css[..end].ends_with(is_name);
        if inside_name || !css[..end].ends_with(token) {
            continue;
        }
        tried += 1;
        if tried > 64 {
            break;
        }
        if let Err(e) = Selector::parse(&css[..end]) {
            if describe(&e).0 == detail {
                return Some(end - token.len());
            }
        }
    }
    None
}

/// A readable message for scraper's error, and the offending token's text when known.
pub(super) fn describe(err: &SelectorErrorKind<'_>) -> (String, Option<String>) {
    let found = |t: &str| match t.trim().is_empty() {
        true => "whitespace".to_owned(),
        false => format!("`{t}`"),
    };
    let (detail, token) = match err {
        SelectorErrorKind::UnexpectedToken(t) => {
            let t = t.to_css_string();
            (format!("unexpected {}", found(&t)), Some(t))
        }
        SelectorErrorKind::EndOfLine => ("unexpected end of input".to_owned(), None),
        SelectorErrorKind::InvalidAtRule(r) => {
            (format!("unexpected `@{r}`"), Some(format!("@{r}")))
        }
        SelectorErrorKind::InvalidAtRuleBody => ("invalid at-rule body".to_owned(), None),
        SelectorErrorKind::QualRuleInvalid => ("invalid qualified rule".to_owned(), None),
        SelectorErrorKind::ExpectedColonOnPseudoElement(t) => {
            let t = t.to_css_string();
            (
                format!("expected `:` in pseudo-element, found {}", found(&t)),
                Some(t),
            )
        }
        SelectorErrorKind::ExpectedIdentityOnPseudoElement(t) => {
            let t = t.to_css_string();
            (
                format!("expected a pseudo-element name, found {}", found(&t)),
                Some(t),
            )
        }
        // The inner type lives in `selectors`, which this file must not name: read its
        // variant and argument from the derived `Debug` text instead.
        SelectorErrorKind::UnexpectedSelectorParseError(kind) => {
            let debug = format!("{kind:?}");
            let (variant, argument) = match debug.split_once('(') {
                Some((v, a)) => (v.to_owned(), a.strip_suffix(')').map(debug_token)),
                None => (debug, None),
            };
            let arg = argument.as_deref().map_or_else(String::new, found);
            let detail = match variant.as_str() {
                "EmptySelector" => "expected a selector".to_owned(),
                "DanglingCombinator" => "combinator not followed by a selector".to_owned(),
                "UnsupportedPseudoClassOrElement" => format!("unsupported pseudo-class {arg}"),
                "ClassNeedsIdent" => format!("expected a class name after `.`, found {arg}"),
                "NoIdentForPseudo" => format!("expected a pseudo-class name, found {arg}"),
                "ExpectedNamespace" => format!("unknown namespace prefix {arg}"),
                "NoQualifiedNameInAttributeSelector" => {
                    format!("expected an attribute name, found {arg}")
                }
                "UnexpectedTokenInAttributeSelector" => {
                    format!("unexpected {arg} in attribute selector")
                }
                "BadValueInAttr" => format!("invalid attribute value {arg}"),
                "InvalidQualNameInAttr" => format!("invalid attribute name {arg}"),
                "ExpectedBarInAttr" => format!("expected `|` in attribute selector, found {arg}"),
                other => {
                    words(other)
                        + &argument
                            .as_ref()
                            .map_or_else(String::new, |_| format!(" {arg}"))
                }
            };
            (detail, argument)
        }
    };
    (detail, token)
}

/// The source text of a `cssparser::Token` (or string) from its derived `Debug` form,
/// e.g. `Ident("foo")` → `foo`, `Delim('.')` → `.`, `"foo"` → `foo`.
fn debug_token(debug: &str) -> String {
    let (name, inner) = match debug.split_once('(') {
        Some((name, rest)) => (name, rest.strip_suffix(')').unwrap_or(rest)),
        None => ("", debug),
    };
    let unquoted = inner
        .strip_prefix(['"', '\''])
        .and_then(|s| s.strip_suffix(['"', '\'']))
        .map(|s| {
            s.replace("\\\"", "\"")
                .replace("\\'", "'")
                .replace("\\\\", "\\")
        });
    let text = unquoted.unwrap_or_else(|| inner.to_owned());
    match name {
        "Function" => format!("{text}("),
        "AtKeyword" => format!("@{text}"),
        "Hash" | "IDHash" => format!("#{text}"),
        "QuotedString" => format!("\"{text}\""),
        _ => match text.as_str() {
            "Colon" => ":".into(),
            "Semicolon" => ";".into(),
            "Comma" => ",".into(),
            "ParenthesisBlock" => "(".into(),
            "SquareBracketBlock" => "[".into(),
            "CurlyBracketBlock" => "{".into(),
            "CloseParenthesis" => ")".into(),
            "CloseSquareBracket" => "]".into(),
            "CloseCurlyBracket" => "}".into(),
            _ => text,
        },
    }
}

/// `UnexpectedIdent` → `unexpected ident`.
fn words(camel: &str) -> String {
    let mut out = String::new();
    for c in camel.chars() {
        if c.is_uppercase() && !out.is_empty() {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

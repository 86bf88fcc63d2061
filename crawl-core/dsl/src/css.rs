//! The grammar of Scrapy-style CSS queries: plain CSS plus a trailing `::text` or
//! `::attr(name)` pseudo-element, with parsel's meaning for each.
//!
//! crawl-core matches with it at run time and `crawl-macros` rejects invalid literal queries
//! with it while compiling, with the same messages.

use std::fmt;

use scraper::Selector;

mod error;

/// What a Scrapy-style CSS query selects after the element match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PseudoElement {
    /// No pseudo-element: the matched elements themselves.
    None,
    /// `::text`: text nodes.
    Text,
    /// `::attr(name)`: the value of the named attribute.
    Attr(String),
}

/// A parsed query: the plain CSS part and the trailing Scrapy pseudo-element.
#[derive(Debug, Clone)]
pub struct ParsedQuery {
    /// The CSS that is matched, comma groups joined with `, `; empty for a query that is
    /// only a pseudo-element (`::text`, `*::attr(href)`), which applies to the context itself.
    pub css: String,
    /// The trailing pseudo-element, shared by every comma group.
    pub pseudo: PseudoElement,
    /// Whether the pseudo-element applies to each match and all its descendants, as after a
    /// descendant combinator (`p ::text` is every text node inside `p`) or alone (`::text`);
    /// otherwise `::text` takes only the direct child text nodes of each match (`p::text`).
    pub subtree: bool,
    /// The parsed CSS, `None` when `css` is empty.
    pub selector: Option<Selector>,
    /// The CSS rewritten for a query relative to an element (its first compound must match
    /// the element or one of its descendants, as in parsel); `None` when `selector` serves.
    pub scoped: Option<Selector>,
    /// Whether the CSS has a `+` or `~` combinator, so that a relative query can match the
    /// context's following siblings and their descendants.
    pub sibling_combinator: bool,
}

/// A human-readable query error: what was wrong and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// Lowercase, no trailing period, code in backticks.
    pub message: String,
    /// The byte offset in the query of the offending part, when known.
    pub offset: Option<usize>,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for QueryError {}

fn error(message: String, offset: usize) -> QueryError {
    QueryError {
        message,
        offset: Some(offset),
    }
}

/// Splits and validates a query such as `span.text::text`, `a::attr(href)`, `::text`,
/// `*::attr(data-x)`, `div > p` or `a::attr(href), link::attr(href)`.
pub fn parse_query(query: &str) -> Result<ParsedQuery, QueryError> {
    let mut groups = Vec::new();
    let mut start = 0;
    for (i, byte) in top_level(query) {
        if byte == b',' {
            groups.push(parse_group(query, start, i)?);
            start = i + 1;
        }
    }
    groups.push(parse_group(query, start, query.len())?);
    let first = &groups[0];
    for group in &groups[1..] {
        if (&group.pseudo, group.subtree, group.css.is_empty())
            != (&first.pseudo, first.subtree, first.css.is_empty())
        {
            let message = format!(
                "every comma-separated selector must end in the same pseudo-element: `{}` and `{}` differ",
                first.text.trim(),
                group.text.trim()
            );
            return Err(error(message, group.offset));
        }
    }
    let css = join(groups.iter().map(|g| g.css.as_str()));
    let selector = match css.is_empty() {
        true => None,
        false => Some(
            Selector::parse(&css)
                .map_err(|_| error::css_error(groups.iter().map(|g| (g.css.as_str(), g.offset))))?,
        ),
    };
    let needs_scope = |g: &&Group| top_level(&g.css).any(|(_, b)| is_combinator(b));
    let scoped = match groups.iter().any(|g| needs_scope(&g)) {
        false => None,
        true => {
            let rewritten = join(groups.iter().map(|g| match needs_scope(&g) {
                true => scope_first_compound(&g.css),
                false => g.css.clone(),
            }));
            Some(Selector::parse(&rewritten).map_err(|e| QueryError {
                message: format!(
                    "invalid css selector `{rewritten}`: {}",
                    error::describe(&e).0
                ),
                offset: None,
            })?)
        }
    };
    let sibling_combinator = groups
        .iter()
        .any(|g| top_level(&g.css).any(|(_, b)| b == b'+' || b == b'~'));
    let first = groups.swap_remove(0);
    Ok(ParsedQuery {
        css,
        pseudo: first.pseudo,
        subtree: first.subtree,
        selector,
        scoped,
        sibling_combinator,
    })
}

/// One comma-separated group of a query.
struct Group<'q> {
    /// The group as written.
    text: &'q str,
    /// Byte offset of the group's first non-blank character in the query.
    offset: usize,
    css: String,
    pseudo: PseudoElement,
    subtree: bool,
}

fn parse_group(query: &str, start: usize, end: usize) -> Result<Group<'_>, QueryError> {
    let text = &query[start..end];
    let offset = start + (text.len() - text.trim_start().len());
    if text.trim().is_empty() {
        let message = match query.trim().is_empty() {
            true => "empty query".to_owned(),
            false => "empty selector in a comma-separated list".to_owned(),
        };
        return Err(error(message, offset));
    }
    let bytes = text.as_bytes();
    let Some(colons) = top_level(text).find(|&(i, b)| b == b':' && bytes.get(i + 1) == Some(&b':'))
    else {
        let css = text.trim().to_owned();
        return Ok(Group {
            text,
            offset,
            css,
            pseudo: PseudoElement::None,
            subtree: false,
        });
    };
    let pseudo = parse_pseudo(text, colons.0, start)?;
    let (css, subtree) = css_before_pseudo(&text[..colons.0]);
    Ok(Group {
        text,
        offset,
        css,
        pseudo,
        subtree,
    })
}

/// Parses the pseudo-element starting at `text[at..]` (`at` is the first colon).
fn parse_pseudo(text: &str, at: usize, base: usize) -> Result<PseudoElement, QueryError> {
    let rest = &text[at + 2..];
    let name_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        .count();
    let name = &rest[..name_len];
    let (argument, tail) = match rest[name_len..].strip_prefix('(') {
        None => (None, &rest[name_len..]),
        Some(inner) => match top_level(inner).find(|&(_, b)| b == b')') {
            Some((close, _)) => (Some(&inner[..close]), &inner[close + 1..]),
            None => {
                let message = format!("unclosed `(` in pseudo-element `::{name}(`");
                return Err(error(message, base + at));
            }
        },
    };
    let written = &rest[..rest.len() - tail.len()];
    let pseudo = match (name.to_ascii_lowercase().as_str(), argument) {
        ("text", None) => PseudoElement::Text,
        ("text", Some(_)) => {
            let message = format!("pseudo-element `::text` takes no argument, found `::{written}`");
            return Err(error(message, base + at));
        }
        ("attr", Some(argument)) => PseudoElement::Attr(attr_name(argument, base + at)?),
        ("attr", None) => {
            let message = "pseudo-element `::attr` needs an attribute name, e.g. `::attr(href)`";
            return Err(error(message.to_owned(), base + at));
        }
        _ => {
            let message = format!(
                "unknown pseudo-element `::{written}`, expected `::text` or `::attr(name)`"
            );
            return Err(error(message, base + at));
        }
    };
    if !tail.trim().is_empty() {
        let message = format!("pseudo-element `::{written}` must be at the end of the selector");
        return Err(error(message, base + at));
    }
    Ok(pseudo)
}

/// The attribute name inside `::attr(...)`: an identifier or a quoted string.
fn attr_name(argument: &str, offset: usize) -> Result<String, QueryError> {
    let trimmed = argument.trim();
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|q| trimmed.strip_prefix(*q)?.strip_suffix(*q))
        .unwrap_or(trimmed);
    let valid = !unquoted.is_empty()
        && !unquoted
            .chars()
            .any(|c| c.is_whitespace() || "()[]{},'\"=<>/".contains(c));
    match valid {
        true => Ok(unquoted.to_owned()),
        false if trimmed.is_empty() => Err(error(
            "pseudo-element `::attr()` needs an attribute name, e.g. `::attr(href)`".to_owned(),
            offset,
        )),
        false => Err(error(
            format!("pseudo-element `::attr({argument})` expects one attribute name"),
            offset,
        )),
    }
}

/// The CSS to match for the part before a pseudo-element, and whether the pseudo-element
/// applies to the whole subtree of each match (parsel's `descendant-or-self::`).
fn css_before_pseudo(part: &str) -> (String, bool) {
    let trimmed = part.trim();
    let last = trimmed.as_bytes().last().copied();
    let escaped = trimmed.len() >= 2 && trimmed.as_bytes()[trimmed.len() - 2] == b'\\';
    if last.is_some_and(|b| matches!(b, b'>' | b'+' | b'~')) && !escaped {
        return (format!("{trimmed} *"), false);
    }
    if trimmed.is_empty() || trimmed == "*" || part.len() > part.trim_end().len() {
        let css = if trimmed == "*" { "" } else { trimmed };
        return (css.to_owned(), true);
    }
    match trimmed.strip_suffix('*') {
        Some(left) if left.ends_with(|c: char| c.is_whitespace()) => {
            (left.trim_end().to_owned(), true)
        }
        _ => (trimmed.to_owned(), false),
    }
}

fn join(parts: impl Iterator<Item = impl AsRef<str>>) -> String {
    let mut joined = String::new();
    for part in parts {
        if !joined.is_empty() {
            joined.push_str(", ");
        }
        joined.push_str(part.as_ref());
    }
    joined
}

fn is_combinator(byte: u8) -> bool {
    byte.is_ascii_whitespace() || matches!(byte, b'>' | b'+' | b'~')
}

/// `A > B` becomes `A:is(:scope, :scope *) > B`: the first compound must be the context
/// element or inside it, as parsel's `descendant-or-self::A/B` requires.
fn scope_first_compound(css: &str) -> String {
    let end = top_level(css)
        .find(|&(_, b)| is_combinator(b))
        .map_or(css.len(), |(i, _)| i);
    format!("{}:is(:scope, :scope *){}", &css[..end], &css[end..])
}

/// The bytes of `css` that are outside strings, escapes and `()`/`[]` blocks, with offsets.
fn top_level(css: &str) -> TopLevel<'_> {
    TopLevel {
        bytes: css.as_bytes(),
        pos: 0,
        depth: 0,
        quote: None,
    }
}

struct TopLevel<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    quote: Option<u8>,
}

impl Iterator for TopLevel<'_> {
    type Item = (usize, u8);

    fn next(&mut self) -> Option<(usize, u8)> {
        while let Some(&byte) = self.bytes.get(self.pos) {
            let at = self.pos;
            self.pos += 1;
            if byte == b'\\' {
                self.skip_escape();
                continue;
            }
            if let Some(quote) = self.quote {
                self.quote = (byte != quote).then_some(quote);
                continue;
            }
            match byte {
                b'"' | b'\'' => self.quote = Some(byte),
                b'(' | b'[' => self.depth += 1,
                // An unbalanced closing bracket is yielded (it ends `::attr(...)`).
                b')' | b']' if self.depth == 0 => return Some((at, byte)),
                b')' | b']' => self.depth -= 1,
                _ if self.depth == 0 => return Some((at, byte)),
                _ => {}
            }
        }
        None
    }
}

impl TopLevel<'_> {
    /// Skips what follows a backslash: up to six hex digits and one optional whitespace,
    /// or one character (its first byte: later UTF-8 bytes are never structural).
    fn skip_escape(&mut self) {
        let hex = self.bytes[self.pos..]
            .iter()
            .take(6)
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        if hex == 0 {
            self.pos += 1;
            return;
        }
        self.pos += hex;
        if self
            .bytes
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            self.pos += 1;
        }
    }
}

//! Splits an expression into tokens, telling `*` and `and`/`or`/`div`/`mod` as operators
//! from name tests by the token before them (XPath 1.0, section 3.7).

use crate::XPathError;

/// A token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Dot,
    DotDot,
    At,
    Comma,
    ColonColon,
    Slash,
    DoubleSlash,
    Pipe,
    Plus,
    Minus,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `*` as a name test.
    Star,
    /// `*` as multiplication.
    Multiply,
    /// `and`, `or`, `div` or `mod` as an operator.
    OperatorName(&'static str),
    Literal(String),
    Number(f64),
    /// `$name`.
    Variable(String),
    /// A name, with an optional prefix: `div`, `s:url`, `child`, `contains`.
    Name(Option<String>, String),
    /// `prefix:*`.
    PrefixWildcard(String),
}

impl Tok {
    /// The token as it reads in a message.
    pub(crate) fn describe(&self) -> String {
        let text = match self {
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Dot => ".",
            Tok::DotDot => "..",
            Tok::At => "@",
            Tok::Comma => ",",
            Tok::ColonColon => "::",
            Tok::Slash => "/",
            Tok::DoubleSlash => "//",
            Tok::Pipe => "|",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Eq => "=",
            Tok::Ne => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            Tok::Star | Tok::Multiply => "*",
            Tok::OperatorName(name) => name,
            Tok::Literal(text) => return format!("`{text:?}`"),
            Tok::Number(n) => return format!("`{n}`"),
            Tok::Variable(name) => return format!("`${name}`"),
            Tok::Name(Some(prefix), local) => return format!("`{prefix}:{local}`"),
            Tok::Name(None, local) => return format!("`{local}`"),
            Tok::PrefixWildcard(prefix) => return format!("`{prefix}:*`"),
        };
        format!("`{text}`")
    }

    /// Whether a `*` or a name after this token is an operator.
    fn ends_operand(&self) -> bool {
        !matches!(
            self,
            Tok::At
                | Tok::ColonColon
                | Tok::LParen
                | Tok::LBracket
                | Tok::Comma
                | Tok::OperatorName(_)
                | Tok::Multiply
                | Tok::Slash
                | Tok::DoubleSlash
                | Tok::Pipe
                | Tok::Plus
                | Tok::Minus
                | Tok::Eq
                | Tok::Ne
                | Tok::Lt
                | Tok::Le
                | Tok::Gt
                | Tok::Ge
        )
    }
}

/// Splits `xpath` into tokens, each with its byte offset.
pub(crate) fn tokenize(xpath: &str) -> Result<Vec<(Tok, usize)>, XPathError> {
    let mut tokens: Vec<(Tok, usize)> = Vec::new();
    let bytes = xpath.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = xpath[i..].chars().next().unwrap_or_default();
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            i += 1;
            continue;
        }
        let start = i;
        let operator_next = tokens.last().is_some_and(|(t, _)| t.ends_operand());
        let next = bytes.get(i + 1).copied();
        let (tok, len) = match c {
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            '[' => (Tok::LBracket, 1),
            ']' => (Tok::RBracket, 1),
            '@' => (Tok::At, 1),
            ',' => (Tok::Comma, 1),
            '|' => (Tok::Pipe, 1),
            '+' => (Tok::Plus, 1),
            '-' => (Tok::Minus, 1),
            '=' => (Tok::Eq, 1),
            '!' if next == Some(b'=') => (Tok::Ne, 2),
            '<' if next == Some(b'=') => (Tok::Le, 2),
            '<' => (Tok::Lt, 1),
            '>' if next == Some(b'=') => (Tok::Ge, 2),
            '>' => (Tok::Gt, 1),
            ':' if next == Some(b':') => (Tok::ColonColon, 2),
            '/' if next == Some(b'/') => (Tok::DoubleSlash, 2),
            '/' => (Tok::Slash, 1),
            '*' if operator_next => (Tok::Multiply, 1),
            '*' => (Tok::Star, 1),
            '.' if next == Some(b'.') => (Tok::DotDot, 2),
            '.' if next.is_some_and(|b| b.is_ascii_digit()) => number(xpath, i),
            '.' => (Tok::Dot, 1),
            '0'..='9' => number(xpath, i),
            '"' | '\'' => {
                let Some(end) = xpath[i + 1..].find(c) else {
                    return Err(XPathError::invalid(
                        xpath,
                        format!("string literal not closed: missing `{c}`"),
                        i,
                    ));
                };
                (Tok::Literal(xpath[i + 1..i + 1 + end].to_owned()), end + 2)
            }
            '$' => {
                let (prefix, local, len) = qname(xpath, i + 1).ok_or_else(|| {
                    XPathError::invalid(xpath, "expected a variable name after `$`", i)
                })?;
                let name = match prefix {
                    Some(prefix) => format!("{prefix}:{local}"),
                    None => local,
                };
                (Tok::Variable(name), len + 1)
            }
            c if is_name_start(c) => {
                let Some((prefix, local, len)) = qname(xpath, i) else {
                    unreachable!("a name starts here")
                };
                match (operator_next, prefix, local.as_str()) {
                    (true, None, "and") => (Tok::OperatorName("and"), len),
                    (true, None, "or") => (Tok::OperatorName("or"), len),
                    (true, None, "div") => (Tok::OperatorName("div"), len),
                    (true, None, "mod") => (Tok::OperatorName("mod"), len),
                    (true, prefix, local) => {
                        let name =
                            prefix.map_or_else(|| local.to_owned(), |p| format!("{p}:{local}"));
                        return Err(XPathError::invalid(
                            xpath,
                            format!("expected an operator, found `{name}`"),
                            i,
                        ));
                    }
                    (false, Some(prefix), "*") => (Tok::PrefixWildcard(prefix), len),
                    (false, prefix, _) => (Tok::Name(prefix, local), len),
                }
            }
            other => {
                return Err(XPathError::invalid(
                    xpath,
                    format!("unexpected character `{other}`"),
                    i,
                ))
            }
        };
        tokens.push((tok, start));
        i += len;
    }
    Ok(tokens)
}

/// A number at `i`: digits with an optional fraction, or a fraction alone.
fn number(xpath: &str, i: usize) -> (Tok, usize) {
    let bytes = xpath.as_bytes();
    let mut end = i;
    while end < bytes.len() && bytes[end].is_ascii_digit() {
        end += 1;
    }
    if bytes.get(end) == Some(&b'.') && bytes.get(end + 1) != Some(&b'.') {
        end += 1;
        while end < bytes.len() && bytes[end].is_ascii_digit() {
            end += 1;
        }
    }
    let value = xpath[i..end].parse().unwrap_or(f64::NAN);
    (Tok::Number(value), end - i)
}

/// Whether `c` may start an XML name (an NCName).
fn is_name_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_alphanumeric() || matches!(c, '-' | '.' | '\u{b7}')
}

/// An NCName at `i`, its length in bytes.
fn ncname(xpath: &str, i: usize) -> Option<usize> {
    let mut chars = xpath[i..].char_indices();
    match chars.next() {
        Some((_, c)) if is_name_start(c) => {}
        _ => return None,
    }
    let end = chars
        .find(|(_, c)| !is_name_char(*c))
        .map_or(xpath.len() - i, |(at, _)| at);
    Some(end)
}

/// A QName (or `prefix:*`, returned with local name `*`) at `i`: prefix, local name and
/// length. A `:` followed by `:` ends the name (it is an axis name).
fn qname(xpath: &str, i: usize) -> Option<(Option<String>, String, usize)> {
    let first = ncname(xpath, i)?;
    let after = i + first;
    let rest = &xpath[after..];
    if rest.starts_with(':') && !rest.starts_with("::") {
        if rest[1..].starts_with('*') {
            return Some((Some(xpath[i..after].to_owned()), "*".to_owned(), first + 2));
        }
        if let Some(second) = ncname(xpath, after + 1) {
            let local = xpath[after + 1..after + 1 + second].to_owned();
            return Some((Some(xpath[i..after].to_owned()), local, first + 1 + second));
        }
    }
    Some((None, xpath[i..after].to_owned(), first))
}

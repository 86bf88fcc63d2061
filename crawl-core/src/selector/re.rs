//! Regular-expression extraction with parsel's rules (`extract_regex`).

use std::cell::RefCell;
use std::collections::HashMap;

use regex::Regex;

use super::SelectorError;

/// How many compiled patterns each thread keeps.
const CACHE_SIZE: usize = 64;

thread_local! {
    static REGEXES: RefCell<HashMap<Box<str>, Regex>> = RefCell::new(HashMap::new());
}

/// Compiles `pattern`, through a small per-thread cache (a `Regex` clone is cheap).
pub(crate) fn compile(pattern: &str) -> Result<Regex, SelectorError> {
    if let Some(hit) = REGEXES.with(|cache| cache.borrow().get(pattern).cloned()) {
        return Ok(hit);
    }
    let regex = Regex::new(pattern).map_err(|source| SelectorError::Regex {
        pattern: pattern.to_owned(),
        source,
    })?;
    REGEXES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= CACHE_SIZE {
            cache.clear();
        }
        cache.insert(pattern.into(), regex.clone());
    });
    Ok(regex)
}

/// Appends what `regex` extracts from `text`, as parsel does: with a group named `extract`,
/// that group of the first match; else every match, each as its numbered groups (an empty
/// string for a group that did not take part) or, without groups, as the whole match.
/// Character references other than `&lt;` and `&amp;` in the results are decoded.
pub(crate) fn extract(regex: &Regex, text: &str, out: &mut Vec<String>) {
    if regex.capture_names().any(|name| name == Some("extract")) {
        let group = regex.captures(text).and_then(|c| c.name("extract"));
        out.extend(group.map(|m| decode(m.as_str())));
        return;
    }
    let groups = regex.captures_len();
    if groups == 1 {
        out.extend(regex.find_iter(text).map(|m| decode(m.as_str())));
        return;
    }
    for captures in regex.captures_iter(text) {
        for i in 1..groups {
            out.push(
                captures
                    .get(i)
                    .map_or_else(String::new, |m| decode(m.as_str())),
            );
        }
    }
}

/// The first of what [`extract`] would return, without computing the rest.
pub(crate) fn first(regex: &Regex, text: &str) -> Option<String> {
    if regex.capture_names().any(|name| name == Some("extract")) {
        let group = regex.captures(text).and_then(|c| c.name("extract"));
        return group.map(|m| decode(m.as_str()));
    }
    match regex.captures_len() {
        1 => regex.find(text).map(|m| decode(m.as_str())),
        _ => regex
            .captures(text)
            .map(|c| c.get(1).map_or_else(String::new, |m| decode(m.as_str()))),
    }
}

/// Decodes the character references that HTML serialization produces or that a page's text
/// may spell out (`&gt;`, `&quot;`, `&apos;`, `&nbsp;`, `&#39;`, `&#x27;`), keeping `&lt;`
/// and `&amp;` as parsel does, so that `re` on an element's HTML reads like its text.
fn decode(text: &str) -> String {
    match text.contains('&') {
        false => text.to_owned(),
        true => decode_references(text),
    }
}

fn decode_references(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest[1..].find(';').filter(|&n| (1..=10).contains(&n)) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..=semi];
        let decoded = match name {
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => numeric(name),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 2..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `#39` or `#x27` → the character.
fn numeric(name: &str) -> Option<char> {
    let digits = name.strip_prefix('#')?;
    let (digits, radix) = match digits.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16),
        None => (digits, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let code = u32::from_str_radix(digits, radix).ok()?;
    char::from_u32(code)
}

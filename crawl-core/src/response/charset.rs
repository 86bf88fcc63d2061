//! Charset detection: the `Content-Type` header, a `<meta>` tag, a byte-order mark, UTF-8.

use bytes::Bytes;
use bytestring::ByteString;
use encoding_rs::{Encoding, UTF_8};
use http::HeaderMap;

/// How far into the body to look for a `<meta charset>` tag.
const META_SCAN_BYTES: usize = 4096;

/// Decodes `body`; a valid UTF-8 body without a BOM is shared as it is, not copied.
pub(super) fn decode(headers: &HeaderMap, body: &Bytes) -> ByteString {
    let encoding = detect(headers, body);
    if encoding == UTF_8 && !body.starts_with(b"\xEF\xBB\xBF") {
        if let Ok(text) = ByteString::try_from(body.clone()) {
            return text;
        }
    }
    let (text, _, _) = encoding.decode(body);
    ByteString::from(text.into_owned())
}

/// The body's encoding: header, then BOM, then `<meta>`, then UTF-8.
pub(super) fn detect(headers: &HeaderMap, body: &[u8]) -> &'static Encoding {
    let from_header = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(charset_param);
    if let Some(encoding) = from_header.and_then(|label| Encoding::for_label(label.as_bytes())) {
        return encoding;
    }
    if let Some((encoding, _)) = Encoding::for_bom(body) {
        return encoding;
    }
    meta_charset(&body[..body.len().min(META_SCAN_BYTES)]).unwrap_or(UTF_8)
}

/// The `charset=` parameter of a `Content-Type` value.
fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).to_owned())
    })
}

/// The charset named by `<meta charset="..">` or `<meta http-equiv content="..; charset=..">`.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = head.as_str();
    while let Some(at) = rest.find("<meta") {
        rest = &rest[at + 5..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        if let Some(pos) = tag.find("charset=") {
            let value = tag[pos + 8..].trim_start_matches(['"', '\'']);
            let end = value
                .find(|c: char| c == '"' || c == '\'' || c == ';' || c.is_whitespace() || c == '/')
                .unwrap_or(value.len());
            if let Some(encoding) = Encoding::for_label(&value.as_bytes()[..end]) {
                return Some(encoding);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decoded text, and whether it shares the body's bytes (no copy).
    fn decoded(headers: &HeaderMap, body: &[u8]) -> (String, bool) {
        let body = Bytes::copy_from_slice(body);
        let text = decode(headers, &body);
        (text.to_string(), text.as_bytes().as_ptr() == body.as_ptr())
    }

    fn headers(content_type: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::CONTENT_TYPE, content_type.parse().unwrap());
        headers
    }

    #[test]
    fn header_charset_wins() {
        let body = "caf\u{e9}".as_bytes();
        let latin1 = [b'c', b'a', b'f', 0xE9];
        assert_eq!(
            decoded(&headers("text/html; charset=ISO-8859-1"), &latin1),
            ("café".to_owned(), false)
        );
        assert_eq!(
            decoded(&headers("text/html; charset=utf-8"), body),
            ("café".to_owned(), true)
        );
    }

    #[test]
    fn meta_charset_is_used_without_a_header() {
        let mut page = b"<html><head><meta charset=\"windows-1252\"></head><body>".to_vec();
        page.push(0x93);
        page.extend_from_slice(b"hi");
        page.push(0x94);
        let (text, _) = decoded(&HeaderMap::new(), &page);
        assert!(text.ends_with("\u{201c}hi\u{201d}"), "{text}");
        let http_equiv =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\">\xE9";
        assert!(decoded(&HeaderMap::new(), http_equiv).0.ends_with('é'));
    }

    #[test]
    fn fallback_is_utf8_with_replacement() {
        assert_eq!(
            decoded(&HeaderMap::new(), "ok ✓".as_bytes()),
            ("ok ✓".to_owned(), true)
        );
        assert_eq!(
            decoded(&HeaderMap::new(), b"bad \xFF"),
            ("bad \u{FFFD}".to_owned(), false)
        );
    }
}

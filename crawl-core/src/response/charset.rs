//! Charset detection, as browsers do it (the WHATWG encoding sniffing steps), the first that
//! answers wins: a byte-order mark, the `Content-Type` header, a `<meta>` tag in the first
//! 4 KiB, then the bytes themselves: UTF-8 when they are valid UTF-8, else what chardetng
//! (Firefox's detector) guesses, windows-1252 for most Western pages. A header naming UTF-16
//! over a body that is not UTF-16 (an ASCII page, say) is not believed: decoding ASCII as
//! UTF-16 would turn the page into CJK text and lose every link, so the header is logged and
//! skipped, and the `<meta>` tag or the bytes decide (issue 9).

use bytes::Bytes;
use bytestring::ByteString;
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252, X_USER_DEFINED};
use http::HeaderMap;
use url::Url;

/// How far into the body to look for a `<meta charset>` tag.
const META_SCAN_BYTES: usize = 4096;
/// How much of a body that is not UTF-8 chardetng reads (its guess settles long before).
const DETECT_BYTES: usize = 64 * 1024;
/// How much of a body declared UTF-16 is checked for UTF-16's zero bytes.
const UTF16_CHECK_BYTES: usize = 1024;

/// Decodes `body` (of the page at `url`); a valid UTF-8 body without a BOM is shared as it
/// is, not copied.
pub(super) fn decode(headers: &HeaderMap, body: &Bytes, url: &Url) -> ByteString {
    let encoding = detect(headers, body, url);
    if encoding == UTF_8 && !body.starts_with(b"\xEF\xBB\xBF") {
        if let Ok(text) = ByteString::try_from(body.clone()) {
            return text;
        }
    }
    let (text, _, _) = encoding.decode(body);
    ByteString::from(text.into_owned())
}

/// The body's encoding: BOM, then header, then `<meta>`, then the bytes.
pub(super) fn detect(headers: &HeaderMap, body: &[u8], url: &Url) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(body) {
        return encoding;
    }
    if let Some(encoding) = header_charset(headers, body, url) {
        return encoding;
    }
    match meta_charset(&body[..body.len().min(META_SCAN_BYTES)]) {
        // A `<meta>` read as ASCII cannot truly name UTF-16 (WHATWG): the page is UTF-8.
        Some(encoding) if is_utf16(encoding) => UTF_8,
        Some(encoding) if encoding == X_USER_DEFINED => WINDOWS_1252,
        Some(encoding) => encoding,
        None => sniff(body, url),
    }
}

/// The encoding the `Content-Type` header names, unless it names UTF-16 over a body that is
/// not UTF-16 (then it is logged and skipped).
fn header_charset(headers: &HeaderMap, body: &[u8], url: &Url) -> Option<&'static Encoding> {
    let label = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(charset_param)?;
    let encoding = Encoding::for_label(label.as_bytes())?;
    if is_utf16(encoding) && !looks_utf16(body) {
        tracing::warn!(
            url = %url,
            "The Content-Type header says charset={label} but the body is not UTF-16; \
             ignoring the header"
        );
        return None;
    }
    Some(encoding)
}

fn is_utf16(encoding: &'static Encoding) -> bool {
    encoding == UTF_16LE || encoding == UTF_16BE
}

/// Whether `body` has UTF-16's pattern: markup and Latin text in UTF-16 have a zero byte in
/// about every other place, while ASCII and the 8-bit encodings have none.
fn looks_utf16(body: &[u8]) -> bool {
    let head = &body[..body.len().min(UTF16_CHECK_BYTES)];
    let zeros = head.iter().filter(|&&byte| byte == 0).count();
    zeros * 8 >= head.len() && !head.is_empty()
}

/// The encoding of a body nothing declares: UTF-8 if it is valid UTF-8, else chardetng's
/// guess, helped by the top-level domain of `url` as in Firefox.
fn sniff(body: &[u8], url: &Url) -> &'static Encoding {
    if std::str::from_utf8(body).is_ok() {
        return UTF_8;
    }
    let mut detector = chardetng::EncodingDetector::new();
    let head = &body[..body.len().min(DETECT_BYTES)];
    detector.feed(head, head.len() == body.len());
    let tld = url
        .host_str()
        .and_then(|host| host.rsplit('.').next())
        .filter(|tld| !tld.is_empty() && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    detector.guess(tld.map(str::as_bytes), true)
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
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    /// The decoded text, and whether it shares the body's bytes (no copy).
    fn decoded(headers: &HeaderMap, body: &[u8]) -> (String, bool) {
        let body = Bytes::copy_from_slice(body);
        let url = Url::parse("http://example.com/").unwrap();
        let text = decode(headers, &body, &url);
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
    fn without_a_charset_utf8_is_kept_and_other_bytes_are_detected() {
        assert_eq!(
            decoded(&HeaderMap::new(), "ok ✓".as_bytes()),
            ("ok ✓".to_owned(), true)
        );
        // windows-1252 quotes and accents, as a browser shows them (not U+FFFD).
        let page = b"<p>\x93Caf\xe9\x94 d\xe9j\xe0 vu, na\xefve \xe9l\xe8ve</p>";
        assert_eq!(
            decoded(&HeaderMap::new(), page).0,
            "<p>\u{201c}Café\u{201d} déjà vu, naïve élève</p>"
        );
    }

    #[test]
    fn a_utf16_header_on_an_ascii_body_is_not_believed() {
        let page = b"<a href=\"/next\">next</a>";
        let (text, _) = decoded(&headers("text/html; charset=utf-16"), page);
        assert_eq!(text, "<a href=\"/next\">next</a>");
        // A real UTF-16 body without a BOM still follows its header.
        let utf16: Vec<u8> = "<a href=\"/x\">é</a>"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let (text, _) = decoded(&headers("text/html; charset=utf-16le"), &utf16);
        assert_eq!(text, "<a href=\"/x\">é</a>");
    }

    #[test]
    fn a_utf16_header_on_an_ascii_body_gives_way_to_the_meta_tag() {
        // The bytes alone read as windows-1252 ("café élève"); the page says windows-1251.
        let page = b"<meta charset=\"windows-1251\"><p>caf\xe9 \xe9l\xe8ve</p>";
        let (text, _) = decoded(&headers("text/html; charset=utf-16"), page);
        assert_eq!(
            text,
            "<meta charset=\"windows-1251\"><p>caf\u{439} \u{439}l\u{438}ve</p>"
        );
    }

    #[test]
    fn a_meta_naming_utf16_means_utf8() {
        let page = "<meta charset=\"utf-16\"><p>é</p>".as_bytes();
        assert_eq!(
            decoded(&HeaderMap::new(), page).0,
            "<meta charset=\"utf-16\"><p>é</p>"
        );
    }
}

//! Property tests of charset detection: a declared charset decodes what it encoded, UTF-8
//! needs no declaration, a false UTF-16 header loses no ASCII page, and no bytes make
//! decoding panic.

use proptest::prelude::*;

use super::*;

const DECLARED: &[&str] = &[
    "utf-8",
    "windows-1252",
    "iso-8859-2",
    "koi8-r",
    "shift_jis",
    "euc-kr",
    "gbk",
    "utf-16le",
    "utf-16be",
];

fn url() -> Url {
    Url::parse("http://example.com/").unwrap()
}

fn header(charset: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let value = format!("text/html; charset={charset}");
    headers.insert(http::header::CONTENT_TYPE, value.parse().unwrap());
    headers
}

fn decoded(headers: &HeaderMap, body: Vec<u8>) -> String {
    decode(headers, &Bytes::from(body), &url()).to_string()
}

/// Text with no byte-order mark at its start (a BOM is the body's own declaration).
fn text() -> impl Strategy<Value = String> {
    any::<String>().prop_map(|text| text.trim_start_matches('\u{feff}').to_owned())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn utf8_needs_no_declaration(text in text()) {
        prop_assert_eq!(decoded(&HeaderMap::new(), text.clone().into_bytes()), text);
    }

    #[test]
    fn a_declared_charset_decodes_what_it_encoded(
        text in text(),
        charset in prop::sample::select(DECLARED),
    ) {
        let encoding = Encoding::for_label(charset.as_bytes()).unwrap();
        let bytes: Vec<u8> = if encoding == UTF_16LE {
            text.encode_utf16().flat_map(u16::to_le_bytes).collect()
        } else if encoding == UTF_16BE {
            text.encode_utf16().flat_map(u16::to_be_bytes).collect()
        } else {
            let (bytes, _, unmappable) = encoding.encode(&text);
            // Some encoders are not inverted by their decoder (Shift_JIS writes `¥` as `\`).
            prop_assume!(!unmappable && encoding.decode_without_bom_handling(&bytes).0 == text);
            bytes.into_owned()
        };
        prop_assume!(Encoding::for_bom(&bytes).is_none());
        // UTF-16 of text with no ASCII-range characters has no zero bytes: such a body is
        // sniffed instead; every other declared body decodes back.
        prop_assume!(!is_utf16(encoding) || looks_utf16(&bytes) || text.is_empty());
        prop_assert_eq!(decoded(&header(charset), bytes), text);
    }

    #[test]
    fn a_false_utf16_header_loses_no_ascii_page(
        page in "[ -~\t\n]{1,200}",
        charset in prop::sample::select(&["utf-16", "utf-16le", "utf-16be"][..]),
    ) {
        prop_assert_eq!(decoded(&header(charset), page.clone().into_bytes()), page);
    }

    #[test]
    fn any_bytes_decode_without_panic_and_alike_each_time(
        body in prop::collection::vec(any::<u8>(), 0..300),
        charset in prop::option::of(prop::sample::select(DECLARED)),
    ) {
        let headers = charset.map_or_else(HeaderMap::new, header);
        let once = decoded(&headers, body.clone());
        prop_assert_eq!(&decoded(&headers, body.clone()), &once);
        if charset.is_none() {
            if let Ok(text) = std::str::from_utf8(&body) {
                prop_assert_eq!(once, text.trim_start_matches('\u{feff}'));
            }
        }
    }
}

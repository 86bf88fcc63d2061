//! The URL tests a link extractor applies: schemes, domains, extensions; and Scrapy's
//! (w3lib's) URL canonicalization.

use url::Url;

/// Scrapy's `IGNORED_EXTENSIONS`: links to files with these extensions are not extracted
/// unless [`deny_extensions`](super::LinkExtractorBuilder::deny_extensions) says otherwise.
pub const IGNORED_EXTENSIONS: &[&str] = &[
    // archives
    "7z", "7zip", "bz2", "rar", "tar", "tar.gz", "xz", "zip", //
    // images
    "mng", "pct", "bmp", "gif", "jpg", "jpeg", "png", "pst", "psp", "tif", "tiff", "ai", "drw",
    "dxf", "eps", "ps", "svg", "cdr", "ico", "webp", //
    // audio
    "mp3", "wma", "ogg", "wav", "ra", "aac", "mid", "au", "aiff", //
    // video
    "3gp", "asf", "asx", "avi", "mov", "mp4", "mpg", "qt", "rm", "swf", "wmv", "m4a", "m4v", "flv",
    "webm", //
    // office suites
    "xls", "xlsx", "ppt", "pptx", "pps", "doc", "docx", "odt", "ods", "odg", "odp", //
    // other
    "css", "pdf", "exe", "bin", "rss", "dmg", "iso", "apk", "jar", "sh", "rb", "js", "hqx",
];

/// Whether the scheme is one Scrapy extracts links for.
pub(crate) fn valid_scheme(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https" | "file" | "ftp")
}

/// Whether the URL's host is one of `domains` or a subdomain of one.
pub(crate) fn from_any_domain(url: &Url, domains: &[String]) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.to_ascii_lowercase();
    domains.iter().any(|domain| {
        let domain = domain.trim_start_matches('.').to_ascii_lowercase();
        host == domain
            || host
                .strip_suffix(&domain)
                .is_some_and(|rest| rest.ends_with('.'))
    })
}

/// The last path segment's extension, lowercased and without the dot (`""` for none), as
/// Python's `posixpath.splitext` finds it.
pub(crate) fn extension(url: &Url) -> String {
    let last = url.path().rsplit('/').next().unwrap_or("");
    let name = last.trim_start_matches('.');
    match name.rfind('.') {
        Some(at) => name[at + 1..].to_ascii_lowercase(),
        None => String::new(),
    }
}

/// w3lib's `canonicalize_url`: the query's arguments sorted (blank values kept) and
/// re-encoded, the fragment dropped; scheme and host are already lowercased by parsing.
pub fn canonicalize_url(url: &Url) -> Url {
    let mut out = url.clone();
    out.set_fragment(None);
    if let Some(query) = url.query() {
        let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        pairs.sort();
        if pairs.is_empty() {
            out.set_query(None);
        } else {
            let encoded = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&pairs)
                .finish();
            out.set_query(Some(&encoded));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn canonical_urls_sort_their_query_and_drop_the_fragment() {
        let canon = |u: &str| canonicalize_url(&url(u)).to_string();
        assert_eq!(
            canon("HTTP://Ex.COM/a?b=2&a=1&c=#frag"),
            "http://ex.com/a?a=1&b=2&c="
        );
        assert_eq!(canon("http://ex.com/a?"), "http://ex.com/a");
        assert_eq!(canon("http://ex.com/a?q=a%20b"), "http://ex.com/a?q=a+b");
        assert_eq!(canon("http://ex.com/p#x"), "http://ex.com/p");
    }

    #[test]
    fn domains_match_themselves_and_their_subdomains_only() {
        let domains = vec!["example.com".to_owned()];
        assert!(from_any_domain(&url("http://example.com/"), &domains));
        assert!(from_any_domain(&url("http://www.Example.com/"), &domains));
        assert!(!from_any_domain(&url("http://badexample.com/"), &domains));
        assert!(!from_any_domain(&url("http://example.com.evil/"), &domains));
    }

    #[test]
    fn extensions_are_those_of_the_last_segment() {
        assert_eq!(extension(&url("http://h/a/b.PDF?x=1")), "pdf");
        assert_eq!(extension(&url("http://h/a.tar.gz")), "gz");
        assert_eq!(extension(&url("http://h/a.d/b")), "");
        assert_eq!(extension(&url("http://h/.hidden")), "");
        assert_eq!(extension(&url("http://h/")), "");
    }
}

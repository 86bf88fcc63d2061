//! Request fingerprints: a compact hash of the canonical URL, the method and the body.

use std::hash::Hasher;

use xxhash_rust::xxh3::Xxh3;

use crate::Request;

/// A request's identity for duplicate filtering: 8 bytes, not a string.
///
/// Two requests have the same fingerprint when their method, body and canonical URL match.
/// The canonical URL drops the fragment and sorts the query's parameters, so
/// `/a?y=2&x=1#top` and `/a?x=1&y=2` are the same page.
///
/// ```
/// use crawl_core::Request;
///
/// let a = Request::get("http://h/a?y=2&x=1#top").unwrap();
/// let b = Request::get("http://h/a?x=1&y=2").unwrap();
/// assert_eq!(a.fingerprint(), b.fingerprint());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    /// Computes the fingerprint of `request`.
    pub fn of(request: &Request) -> Self {
        let mut hasher = Xxh3::new();
        hasher.update(request.method.as_str().as_bytes());
        hasher.update(b" ");
        let url = &request.url;
        let before_query = match url.query() {
            Some(_) => &url[..url::Position::AfterPath],
            None => &url[..url::Position::AfterQuery],
        };
        hasher.update(before_query.as_bytes());
        if let Some(query) = url.query() {
            hash_sorted_query(&mut hasher, query);
        }
        hasher.update(b" ");
        hasher.update(&request.body);
        Fingerprint(hasher.finish())
    }
}

/// Feeds the query's `&`-separated parameters to `hasher` in sorted order.
fn hash_sorted_query(hasher: &mut Xxh3, query: &str) {
    hasher.update(b"?");
    let mut pairs: Vec<&str> = query.split('&').filter(|pair| !pair.is_empty()).collect();
    pairs.sort_unstable();
    for pair in pairs {
        hasher.update(pair.as_bytes());
        hasher.update(b"&");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(url: &str) -> Fingerprint {
        Request::get(url).unwrap().fingerprint()
    }

    #[test]
    fn canonical_forms_match() {
        assert_eq!(fp("http://h/a?b=1&a=2"), fp("http://h/a?a=2&b=1"));
        assert_eq!(fp("http://h/a#x"), fp("http://h/a"));
        assert_eq!(fp("HTTP://H/a"), fp("http://h/a"));
        assert_eq!(fp("http://h:80/a"), fp("http://h/a"));
    }

    #[test]
    fn different_requests_differ() {
        assert_ne!(fp("http://h/a"), fp("http://h/b"));
        assert_ne!(fp("http://h/a?x=1"), fp("http://h/a?x=2"));
        assert_ne!(fp("http://h/a"), fp("http://h/a?"));
        let get = Request::get("http://h/a").unwrap();
        let post = Request::post("http://h/a", "").unwrap();
        assert_ne!(get.fingerprint(), post.fingerprint());
        let other_body = Request::post("http://h/a", "x=1").unwrap();
        assert_ne!(post.fingerprint(), other_body.fingerprint());
    }
}

//! CookiesMiddleware: keeps cookie jars per crawl (RFC 6265 domain, path, expiry and
//! `Secure` rules), sends matching cookies in `Cookie` and stores `Set-Cookie`.
//!
//! The `cookiejar` meta picks a separate jar (any JSON value: `1`, `"session-b"`);
//! `dont_merge_cookies: true` neither sends nor stores cookies for that request. A `Cookie`
//! header set on the request is kept, and jar cookies of other names are added to it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cookie_store::CookieStore;
use http::header::{COOKIE, SET_COOKIE};
use http::HeaderValue;

use crate::hook::Hook;
use crate::middleware::{
    DownloaderHooks, DownloaderMiddleware, DownloaderMiddlewareEntry, RequestOutcome,
    ResponseOutcome,
};
use crate::{BoxError, Crawler, Request, Response};

/// Meta key: `true` neither sends the jar's cookies nor stores the response's.
pub const DONT_MERGE_COOKIES_META: &str = "dont_merge_cookies";
/// Meta key: which jar the request uses (any JSON value; absent is the default jar).
pub const COOKIEJAR_META: &str = "cookiejar";
/// Meta key: the cookie names this middleware added to the request's `Cookie` header, so
/// a redirected copy of the request gets them recomputed for its own URL.
const FROM_JAR_META: &str = "_cookies_from_jar";

pub(super) const ENTRY: DownloaderMiddlewareEntry = DownloaderMiddlewareEntry {
    name: "CookiesMiddleware",
    order: 700,
    create: |settings| {
        settings.cookies_enabled.then(|| {
            Arc::new(Cookies {
                jars: Mutex::new(HashMap::new()),
                debug: settings.cookies_debug,
            }) as Arc<dyn DownloaderMiddleware>
        })
    },
};

struct Cookies {
    jars: Mutex<HashMap<String, CookieStore>>,
    debug: bool,
}

fn skipped(request: &Request) -> bool {
    request.meta_flag(DONT_MERGE_COOKIES_META)
}

fn jar_key(request: &Request) -> String {
    request
        .meta
        .get(COOKIEJAR_META)
        .map(|v| v.to_string())
        .unwrap_or_default()
}

/// The `name=value` pairs of the request's `Cookie` header(s), without those a previous
/// pass took from the jar.
fn own_pairs(request: &Request) -> Vec<(String, String)> {
    let from_jar: Vec<&str> = match request.meta.get(FROM_JAR_META).and_then(|v| v.as_array()) {
        Some(names) => names.iter().filter_map(|n| n.as_str()).collect(),
        None => Vec::new(),
    };
    let header: Vec<String> = request.headers.get_all(COOKIE).iter().map(lossy).collect();
    header
        .join(";")
        .split(';')
        .filter_map(|pair| {
            let pair = pair.trim();
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (!pair.is_empty() && !from_jar.contains(&name))
                .then(|| (name.to_owned(), value.to_owned()))
        })
        .collect()
}

impl Cookies {
    fn add_cookie_header(&self, request: &mut Request) {
        let mut pairs = own_pairs(request);
        let mut added = Vec::new();
        {
            let jars = self.jars.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(jar) = jars.get(&jar_key(request)) {
                for (name, value) in jar.get_request_values(&request.url) {
                    if !pairs.iter().any(|(own, _)| own == name) {
                        added.push(serde_json::Value::from(name));
                        pairs.push((name.to_owned(), value.to_owned()));
                    }
                }
            }
        }
        request.headers.remove(COOKIE);
        request.meta.remove(FROM_JAR_META);
        if pairs.is_empty() {
            return;
        }
        let header: Vec<String> = pairs
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        match HeaderValue::from_str(&header.join("; ")) {
            Ok(value) => {
                request.headers.insert(COOKIE, value);
            }
            Err(_) => {
                tracing::warn!("Not sending cookies to {request:?}: not a valid header value")
            }
        }
        if !added.is_empty() {
            request.meta.insert(FROM_JAR_META.to_owned(), added.into());
        }
        if self.debug {
            let sent: Vec<String> = request.headers.get_all(COOKIE).iter().map(lossy).collect();
            if !sent.is_empty() {
                let lines: Vec<String> = sent.iter().map(|c| format!("Cookie: {c}\n")).collect();
                tracing::debug!("Sending cookies to: {request:?}\n{}", lines.join("\n"));
            }
        }
    }

    fn extract_cookies(&self, response: &Response) {
        let received: Vec<String> = response
            .headers
            .get_all(SET_COOKIE)
            .iter()
            .map(lossy)
            .collect();
        if received.is_empty() {
            return;
        }
        if self.debug {
            let lines: Vec<String> = received
                .iter()
                .map(|c| format!("Set-Cookie: {c}\n"))
                .collect();
            tracing::debug!("Received cookies from: {response:?}\n{}", lines.join("\n"));
        }
        let mut jars = self.jars.lock().unwrap_or_else(|p| p.into_inner());
        let jar = jars.entry(jar_key(&response.request)).or_default();
        for cookie in &received {
            if let Err(error) = jar.parse(cookie, &response.url) {
                tracing::debug!("Ignoring cookie from {response:?} ({cookie}): {error}");
            }
        }
    }
}

fn lossy(value: &HeaderValue) -> String {
    String::from_utf8_lossy(value.as_bytes()).into_owned()
}

impl DownloaderMiddleware for Cookies {
    fn process_request<'a>(
        &'a self,
        request: &'a mut Request,
        _: &'a Crawler,
    ) -> Hook<'a, Result<RequestOutcome, BoxError>> {
        if !skipped(request) {
            self.add_cookie_header(request);
        }
        Hook::ready(Ok(RequestOutcome::Continue))
    }

    fn process_response<'a>(
        &'a self,
        response: Response,
        _: &'a Crawler,
    ) -> Hook<'a, Result<ResponseOutcome, BoxError>> {
        if !skipped(&response.request) {
            self.extract_cookies(&response);
        }
        Hook::ready(Ok(ResponseOutcome::Continue(response)))
    }

    fn hooks(&self) -> DownloaderHooks {
        DownloaderHooks::REQUEST_RESPONSE
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use http::{HeaderMap, StatusCode};

    use super::*;

    fn cookies() -> Cookies {
        Cookies {
            jars: Mutex::new(HashMap::new()),
            debug: true,
        }
    }

    fn receive(
        middleware: &Cookies,
        url: &str,
        set_cookies: &[&str],
        meta: Option<(&str, serde_json::Value)>,
    ) {
        let mut headers = HeaderMap::new();
        for value in set_cookies {
            headers.append(SET_COOKIE, HeaderValue::from_str(value).unwrap());
        }
        let mut request = Request::get(url).unwrap();
        if let Some((key, value)) = meta {
            request.meta.insert(key.to_owned(), value);
        }
        let url = request.url.clone();
        middleware.extract_cookies(&Response::new(
            request,
            url,
            StatusCode::OK,
            headers,
            Bytes::new(),
        ));
    }

    fn sent(middleware: &Cookies, request: &mut Request) -> Option<String> {
        middleware.add_cookie_header(request);
        request.headers.get(COOKIE).map(lossy)
    }

    #[test]
    fn domain_path_and_expiry_rules_apply() {
        let middleware = cookies();
        receive(
            &middleware,
            "http://a.example.com/x/page",
            &["id=1; Path=/", "deep=2", "old=3; Max-Age=0"],
            None,
        );
        receive(
            &middleware,
            "http://a.example.com/",
            &["wide=4; Domain=example.com; Path=/"],
            None,
        );
        receive(
            &middleware,
            "http://a.example.com/",
            &["evil=5; Domain=other.com"],
            None,
        );
        let mut deep = Request::get("http://a.example.com/x/other").unwrap();
        let mut header = sent(&middleware, &mut deep).unwrap();
        let mut names: Vec<&str> = header.split("; ").collect();
        names.sort();
        assert_eq!(names, ["deep=2", "id=1", "wide=4"]);
        header = sent(
            &middleware,
            &mut Request::get("http://b.example.com/y").unwrap(),
        )
        .unwrap();
        assert_eq!(header, "wide=4");
        assert_eq!(
            sent(&middleware, &mut Request::get("http://other.com/").unwrap()),
            None
        );
    }

    #[test]
    fn own_cookies_are_kept_and_jar_cookies_follow_redirects() {
        let middleware = cookies();
        receive(&middleware, "http://a.com/", &["session=a"], None);
        let mut request = Request::get("http://a.com/")
            .unwrap()
            .with_header("Cookie", "mine=1; session=own");
        assert_eq!(
            sent(&middleware, &mut request).unwrap(),
            "mine=1; session=own"
        );
        let mut request = Request::get("http://a.com/")
            .unwrap()
            .with_header("Cookie", "mine=1");
        assert_eq!(
            sent(&middleware, &mut request).unwrap(),
            "mine=1; session=a"
        );
        // A redirect to another site copies headers and meta: a.com's cookie is not sent there.
        request.url = url::Url::parse("http://b.com/").unwrap();
        assert_eq!(sent(&middleware, &mut request).unwrap(), "mine=1");
    }

    #[test]
    fn jars_are_separate_per_cookiejar_meta() {
        let middleware = cookies();
        receive(&middleware, "http://a.com/", &["n=default"], None);
        receive(
            &middleware,
            "http://a.com/",
            &["n=two"],
            Some((COOKIEJAR_META, 2.into())),
        );
        let mut two = Request::get("http://a.com/")
            .unwrap()
            .with_meta(COOKIEJAR_META, 2);
        assert_eq!(sent(&middleware, &mut two).unwrap(), "n=two");
        assert_eq!(
            sent(&middleware, &mut Request::get("http://a.com/").unwrap()).unwrap(),
            "n=default"
        );
    }
}

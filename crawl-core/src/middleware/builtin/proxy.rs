//! HttpProxyMiddleware: routes requests through the proxies of the environment (`http_proxy`,
//! `https_proxy`, `no_proxy`, read when the middleware is created) or of the request's
//! `proxy` meta (`"http://user:pass@host:port"`; `null` for no proxy at all). Credentials
//! become a `Proxy-Authorization: Basic` header, which the downloader sends to the proxy only.

use std::collections::HashMap;
use std::sync::Arc;

use http::header::PROXY_AUTHORIZATION;
use http::HeaderValue;
use url::Url;

use crate::downloader::{Proxy, PROXY_META};
use crate::hook::Hook;
use crate::middleware::{
    DownloaderHooks, DownloaderMiddleware, DownloaderMiddlewareEntry, RequestOutcome,
};
use crate::{BoxError, Crawler, Request};

/// Meta key: the proxy URL for this request, or `null` for none (Scrapy's `proxy`).
pub const PROXY_URL_META: &str = "proxy";
/// Meta key: the proxy whose credentials the `Proxy-Authorization` header holds.
const AUTH_PROXY_META: &str = "_auth_proxy";
/// Meta key: the proxy came from the environment for the URL's scheme.
const SCHEME_PROXY_META: &str = "_scheme_proxy";

pub(super) const ENTRY: DownloaderMiddlewareEntry = DownloaderMiddlewareEntry {
    name: "HttpProxyMiddleware",
    order: 750,
    create: |settings| {
        settings.httpproxy_enabled.then(|| {
            Arc::new(HttpProxy::from_vars(|name| std::env::var(name).ok()))
                as Arc<dyn DownloaderMiddleware>
        })
    },
};

struct HttpProxy {
    /// Environment proxies by URL scheme.
    proxies: HashMap<&'static str, Proxy>,
    no_proxy: Vec<String>,
}

impl HttpProxy {
    /// Reads `http_proxy`, `https_proxy` and `no_proxy` (lowercase first, then uppercase).
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let read = |name: &str| {
            var(name)
                .or_else(|| var(&name.to_ascii_uppercase()))
                .filter(|v| !v.trim().is_empty())
        };
        let mut proxies = HashMap::new();
        for scheme in ["http", "https"] {
            if let Some(proxy) =
                read(&format!("{scheme}_proxy")).and_then(|text| Proxy::parse(&text, scheme))
            {
                proxies.insert(scheme, proxy);
            }
        }
        let no_proxy = read("no_proxy")
            .map(|list| {
                list.split(',')
                    .map(|n| n.trim().trim_start_matches('.').to_ascii_lowercase())
                    .collect()
            })
            .unwrap_or_default();
        HttpProxy { proxies, no_proxy }
    }

    /// Whether `no_proxy` exempts `url` (Python's `proxy_bypass_environment`).
    fn bypassed(&self, url: &Url) -> bool {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let with_port = url.port().map(|port| format!("{host}:{port}"));
        self.no_proxy
            .iter()
            .filter(|name| !name.is_empty())
            .any(|name| {
                name == "*"
                    || [Some(&host), with_port.as_ref()]
                        .into_iter()
                        .flatten()
                        .any(|h| h == name || h.ends_with(&format!(".{name}")))
            })
    }

    fn set_proxy(&self, request: &mut Request) {
        let (proxy, from_env) = match request.meta.get(PROXY_URL_META) {
            Some(serde_json::Value::Null) => (None, false),
            Some(value) => match value.as_str().and_then(|text| Proxy::parse(text, "http")) {
                Some(proxy) => (Some(proxy), false),
                None => {
                    tracing::warn!("Ignoring the invalid proxy {value} of {request:?}");
                    (None, false)
                }
            },
            None if self.bypassed(&request.url) => (None, false),
            None => (self.proxies.get(request.url.scheme()).cloned(), true),
        };
        let meta = &mut request.meta;
        if from_env && proxy.is_some() {
            meta.insert(SCHEME_PROXY_META.to_owned(), true.into());
        }
        let url = proxy.as_ref().map(|p| p.url.clone());
        match &url {
            Some(url) => {
                meta.insert(PROXY_URL_META.to_owned(), url.clone().into());
                meta.insert(PROXY_META.to_owned(), url.clone().into());
            }
            None => {
                if meta.contains_key(PROXY_URL_META) {
                    meta.insert(PROXY_URL_META.to_owned(), serde_json::Value::Null);
                }
                meta.remove(PROXY_META);
            }
        }
        let auth_proxy = meta
            .get(AUTH_PROXY_META)
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        match (proxy.and_then(|p| p.credentials), url) {
            (Some(credentials), Some(url)) => {
                if let Ok(value) = HeaderValue::from_str(&credentials) {
                    request.headers.insert(PROXY_AUTHORIZATION, value);
                }
                request.meta.insert(AUTH_PROXY_META.to_owned(), url.into());
            }
            (None, url) if auth_proxy.is_some() => {
                if url != auth_proxy {
                    request.headers.remove(PROXY_AUTHORIZATION);
                    request.meta.remove(AUTH_PROXY_META);
                }
            }
            (None, Some(url)) if request.headers.contains_key(PROXY_AUTHORIZATION) => {
                request.meta.insert(AUTH_PROXY_META.to_owned(), url.into());
            }
            _ => {
                request.headers.remove(PROXY_AUTHORIZATION);
            }
        }
    }
}

impl DownloaderMiddleware for HttpProxy {
    fn process_request<'a>(
        &'a self,
        request: &'a mut Request,
        _: &'a Crawler,
    ) -> Hook<'a, Result<RequestOutcome, BoxError>> {
        self.set_proxy(request);
        Hook::ready(Ok(RequestOutcome::Continue))
    }

    fn hooks(&self) -> DownloaderHooks {
        DownloaderHooks::REQUEST
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HttpProxy {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        HttpProxy::from_vars(|name| vars.get(name).cloned())
    }

    fn route(middleware: &HttpProxy, request: Request) -> Request {
        let mut request = request;
        middleware.set_proxy(&mut request);
        request
    }

    fn auth(request: &Request) -> Option<&str> {
        request
            .headers
            .get(PROXY_AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
    }

    #[test]
    fn environment_proxies_by_scheme_except_no_proxy() {
        let middleware = env(&[
            ("http_proxy", "http://u%40x:p%3Aw@proxy:3128"),
            ("HTTPS_PROXY", "secure:8443"),
            ("no_proxy", "localhost, .internal.org,example.com:8080"),
        ]);
        let http = route(&middleware, Request::get("http://site.com/").unwrap());
        assert_eq!(http.meta[PROXY_META], "http://proxy:3128");
        assert_eq!(http.meta[PROXY_URL_META], "http://proxy:3128");
        assert_eq!(
            auth(&http),
            Some("Basic dUB4OnA6dw=="),
            "user u@x, password p:w"
        );
        let https = route(&middleware, Request::get("https://site.com/").unwrap());
        assert_eq!(https.meta[PROXY_META], "https://secure:8443");
        assert_eq!(auth(&https), None);
        for exempt in [
            "http://localhost/",
            "http://a.internal.org/",
            "http://internal.org/",
            "http://example.com:8080/",
        ] {
            assert!(
                !route(&middleware, Request::get(exempt).unwrap())
                    .meta
                    .contains_key(PROXY_META),
                "{exempt}"
            );
        }
        assert!(
            route(&middleware, Request::get("http://example.com/").unwrap())
                .meta
                .contains_key(PROXY_META)
        );
        assert!(env(&[("no_proxy", "*"), ("http_proxy", "p:1")])
            .bypassed(&Url::parse("http://a/").unwrap()));
    }

    #[test]
    fn meta_proxy_overrides_and_null_disables() {
        let middleware = env(&[("http_proxy", "http://proxy:3128")]);
        let own = route(
            &middleware,
            Request::get("http://a.com/")
                .unwrap()
                .with_meta("proxy", "http://me:pw@other:1"),
        );
        assert_eq!(own.meta[PROXY_META], "http://other:1");
        assert_eq!(auth(&own), Some("Basic bWU6cHc="));
        // The same request sent again through a proxy without credentials loses them.
        let again = route(&middleware, own.with_meta("proxy", "http://third:2"));
        assert_eq!(
            (again.meta[PROXY_META].as_str(), auth(&again)),
            (Some("http://third:2"), None)
        );
        let none = route(
            &middleware,
            Request::get("http://a.com/")
                .unwrap()
                .with_meta("proxy", serde_json::Value::Null),
        );
        assert!(!none.meta.contains_key(PROXY_META));
        let manual = Request::get("http://a.com/")
            .unwrap()
            .with_header("Proxy-Authorization", "Basic eA==");
        let manual = route(&middleware, manual.with_meta("proxy", "http://p:9"));
        assert_eq!(
            auth(&manual),
            Some("Basic eA=="),
            "a header set by hand is kept for its proxy"
        );
        let direct = route(
            &env(&[]),
            Request::get("http://a.com/")
                .unwrap()
                .with_header("Proxy-Authorization", "x"),
        );
        assert_eq!(auth(&direct), None, "no proxy, no proxy credentials");
    }
}

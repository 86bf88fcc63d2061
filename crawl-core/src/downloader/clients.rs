//! The HTTP clients: one without any proxy, and one per proxy (reqwest proxies are set per
//! client), built lazily when a request's `_proxy` meta first names that proxy.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use http::header::PROXY_AUTHORIZATION;
use http::{HeaderMap, HeaderValue};
use url::Url;

use super::dns::Overrides;
use crate::{Error, Request, Settings};

/// Meta key set by HttpProxyMiddleware: the proxy URL (without credentials) the downloader
/// sends the request through. Its `Proxy-Authorization` header goes to the proxy only (in
/// the `CONNECT` request for `https` URLs).
pub const PROXY_META: &str = "_proxy";

/// The default client and the proxied ones.
pub(super) struct Clients {
    direct: reqwest::Client,
    proxied: Mutex<HashMap<(String, Option<HeaderValue>), reqwest::Client>>,
    pool_size: usize,
    dns: Option<Arc<Overrides>>,
}

/// The builder every client starts from: no redirects, no proxy from the environment
/// (HttpProxyMiddleware decides), bodies left encoded (HttpCompressionMiddleware decodes),
/// names resolved through `DNS_OVERRIDE` first.
fn builder(pool_size: usize, dns: &Option<Arc<Overrides>>) -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tcp_nodelay(true)
        .pool_max_idle_per_host(pool_size)
        .no_proxy();
    match dns {
        Some(dns) => builder.dns_resolver(dns.clone()),
        None => builder,
    }
}

fn client_error(error: reqwest::Error) -> Error {
    Error::Usage(format!("cannot build the HTTP client: {error}"))
}

impl Clients {
    /// The clients of a crawl under `settings`.
    pub(super) fn new(settings: &Settings) -> Result<Self, Error> {
        let pool_size = settings.concurrent_requests_per_domain.max(1);
        let dns = Overrides::from_setting(&settings.dns_override)?.map(Arc::new);
        Ok(Clients {
            direct: builder(pool_size, &dns).build().map_err(client_error)?,
            proxied: Mutex::new(HashMap::new()),
            pool_size,
            dns,
        })
    }

    /// The client for `request` and the headers to send: through the proxy its `_proxy`
    /// meta names, if any, with its `Proxy-Authorization` header moved to that proxy.
    pub(super) fn for_request(
        &self,
        request: &Request,
    ) -> Result<(reqwest::Client, HeaderMap), Error> {
        let mut headers = request.headers.clone();
        let Some(proxy) = request.meta.get(PROXY_META).and_then(|v| v.as_str()) else {
            return Ok((self.direct.clone(), headers));
        };
        let auth = headers.remove(PROXY_AUTHORIZATION);
        let key = (proxy.to_owned(), auth);
        let mut proxied = self.proxied.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(client) = proxied.get(&key) {
            return Ok((client.clone(), headers));
        }
        let invalid = |error: reqwest::Error| Error::Download {
            url: request.url.to_string(),
            kind: "ProxyError",
            message: format!("invalid proxy `{proxy}`: {error}"),
        };
        let mut settings = reqwest::Proxy::all(proxy).map_err(invalid)?;
        if let Some(auth) = &key.1 {
            settings = settings.custom_http_auth(auth.clone());
        }
        let client = builder(self.pool_size, &self.dns)
            .proxy(settings)
            .build()
            .map_err(client_error)?;
        proxied.insert(key, client.clone());
        Ok((client, headers))
    }
}

/// A proxy URL split into its URL without credentials and the `Basic` credentials it held
/// (user and password percent-decoded, encoded as Latin-1 when they fit, else UTF-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    /// `scheme://host[:port]`.
    pub url: String,
    /// `Basic ...`, for `Proxy-Authorization`.
    pub credentials: Option<String>,
}

impl Proxy {
    /// Parses `text`, giving it `default_scheme` when it has none (`host:port`).
    pub fn parse(text: &str, default_scheme: &str) -> Option<Proxy> {
        let text = text.trim();
        let full = if text.contains("://") {
            text.to_owned()
        } else {
            format!("{default_scheme}://{text}")
        };
        let url = Url::parse(&full).ok()?;
        let host = url.host_str()?;
        let mut plain = format!("{}://{host}", url.scheme());
        if let Some(port) = url.port() {
            plain.push_str(&format!(":{port}"));
        }
        let credentials = (!url.username().is_empty()).then(|| {
            let pair = format!(
                "{}:{}",
                unquote(url.username()),
                unquote(url.password().unwrap_or(""))
            );
            // Latin-1 as Scrapy's HTTPPROXY_AUTH_ENCODING default, UTF-8 beyond it.
            let bytes: Vec<u8> = match pair
                .chars()
                .map(|c| u8::try_from(u32::from(c)).ok())
                .collect()
            {
                Some(latin1) => latin1,
                None => pair.into_bytes(),
            };
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            )
        });
        Some(Proxy {
            url: plain,
            credentials,
        })
    }
}

/// Decodes `%XX` escapes of a URL's user or password.
fn unquote(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxied_clients_are_built_once_per_proxy_and_credentials() {
        let clients = Clients::new(&Settings::default()).unwrap();
        let plain = Request::get("http://example.com/")
            .unwrap()
            .with_header("Proxy-Authorization", "Basic eA==");
        let (_, headers) = clients.for_request(&plain).unwrap();
        assert!(
            headers.contains_key(PROXY_AUTHORIZATION),
            "kept without a proxy"
        );
        let proxied = plain.clone().with_meta(PROXY_META, "http://127.0.0.1:3128");
        let (_, headers) = clients.for_request(&proxied).unwrap();
        assert!(
            !headers.contains_key(PROXY_AUTHORIZATION),
            "moved to the proxy"
        );
        clients.for_request(&proxied).unwrap();
        let other = Request::get("http://example.com/")
            .unwrap()
            .with_meta(PROXY_META, "http://127.0.0.1:3128");
        clients.for_request(&other).unwrap();
        assert_eq!(clients.proxied.lock().unwrap().len(), 2);
        let bad = Request::get("http://example.com/")
            .unwrap()
            .with_meta(PROXY_META, "::");
        assert!(matches!(
            clients.for_request(&bad),
            Err(Error::Download {
                kind: "ProxyError",
                ..
            })
        ));
    }

    #[test]
    fn proxy_urls_lose_their_credentials_to_a_basic_header() {
        let proxy = Proxy::parse(" u%40x:p%3Aw@proxy:3128 ", "https").unwrap();
        assert_eq!(proxy.url, "https://proxy:3128");
        assert_eq!(proxy.credentials.as_deref(), Some("Basic dUB4OnA6dw=="));
        let latin1 = Proxy::parse("http://caf%C3%A9:pw@p", "http").unwrap();
        assert_eq!(latin1.credentials.as_deref(), Some("Basic Y2Fm6Tpwdw=="));
        let utf8 = Proxy::parse("http://%E2%82%AC:pw@p", "http").unwrap();
        assert_eq!(utf8.credentials.as_deref(), Some("Basic 4oKsOnB3"));
        let plain = Proxy::parse("http://p", "http").unwrap();
        assert_eq!((plain.url.as_str(), plain.credentials), ("http://p", None));
        assert!(Proxy::parse("http://", "http").is_none());
    }
}

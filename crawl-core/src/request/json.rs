//! `JsonRequest`: a request whose body is JSON, as Scrapy's `JsonRequest` builds it.

use http::Method;
use serde::Serialize;

use super::{IntoUrl, Request};

/// What Scrapy's `JsonRequest` sends as `Accept`.
const ACCEPT_JSON: &str = "application/json, text/javascript, */*; q=0.01";

/// Builds requests that send and expect JSON (Scrapy's `JsonRequest`): `Content-Type` and
/// `Accept` are set, and a given value is serialized as the body of a POST.
///
/// ```
/// use crawl_core::JsonRequest;
///
/// #[derive(serde::Serialize)]
/// struct Search<'a> { query: &'a str, page: u32 }
///
/// let request = JsonRequest::post("http://127.0.0.1:8000/api/search", &Search { query: "life", page: 2 }).unwrap();
/// assert_eq!(request.method, http::Method::POST);
/// assert_eq!(&request.body[..], br#"{"query":"life","page":2}"#);
/// assert_eq!(request.headers["content-type"], "application/json");
///
/// let request = JsonRequest::get("http://127.0.0.1:8000/api/quotes?page=1").unwrap();
/// assert_eq!(request.method, http::Method::GET);
/// assert!(request.body.is_empty());
/// ```
#[derive(Debug)]
pub struct JsonRequest;

impl JsonRequest {
    /// A GET request that asks for JSON.
    pub fn get(url: impl IntoUrl) -> Result<Request, crate::Error> {
        Ok(with_json_headers(Request::get(url)?))
    }

    /// A POST request whose body is `data` serialized as JSON.
    pub fn post(url: impl IntoUrl, data: &impl Serialize) -> Result<Request, crate::Error> {
        JsonRequest::with_method(Method::POST, url, data)
    }

    /// A request with `method` whose body is `data` serialized as JSON.
    pub fn with_method(
        method: Method,
        url: impl IntoUrl,
        data: &impl Serialize,
    ) -> Result<Request, crate::Error> {
        let mut request = Request::get(url)?;
        let body = serde_json::to_vec(data).map_err(|source| crate::Error::Json {
            url: request.url.to_string(),
            source,
        })?;
        request.method = method;
        request.body = body.into();
        Ok(with_json_headers(request))
    }
}

fn with_json_headers(request: Request) -> Request {
    request
        .with_header("content-type", "application/json")
        .with_header("accept", ACCEPT_JSON)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_that_does_not_serialize_is_an_error_naming_the_url() {
        let mut map = std::collections::BTreeMap::new();
        map.insert(vec![1u8], 1);
        let error = JsonRequest::post("http://127.0.0.1/api", &map).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("invalid JSON for `http://127.0.0.1/api`"),
            "{error}"
        );
    }

    #[test]
    fn json_headers_are_scrapys() {
        let request = JsonRequest::with_method(Method::PUT, "http://127.0.0.1/x", &[1, 2]).unwrap();
        assert_eq!(request.method, Method::PUT);
        assert_eq!(&request.body[..], b"[1,2]");
        assert_eq!(request.headers["accept"], ACCEPT_JSON);
    }
}

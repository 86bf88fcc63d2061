//! Tests of the HTTP cache policies.

use bytes::Bytes;
use http::{HeaderValue, StatusCode};

use super::*;

fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
    pairs
        .iter()
        .map(|(k, v)| {
            (
                http::HeaderName::from_static(k),
                HeaderValue::from_str(v).unwrap(),
            )
        })
        .collect()
}

fn cached(status: u16, pairs: &[(&'static str, String)]) -> Cached {
    Cached {
        status: StatusCode::from_u16(status).unwrap(),
        url: url::Url::parse("http://h/").unwrap(),
        headers: headers(pairs),
        body: Bytes::new(),
    }
}

fn response(status: u16, pairs: &[(&'static str, String)]) -> Response {
    let request = Request::get("http://h/").unwrap();
    Response::new(
        request.clone(),
        request.url,
        StatusCode::from_u16(status).unwrap(),
        headers(pairs),
        Bytes::new(),
    )
}

fn http_date(offset: f64) -> String {
    httpdate::fmt_http_date(
        std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(now() + offset),
    )
}

#[test]
fn what_rfc2616_stores() {
    let policy = Rfc2616;
    assert!(policy.should_cache_response(&response(200, &[("cache-control", "max-age=60".into())])));
    assert!(policy.should_cache_response(&response(404, &[("expires", http_date(60.0))])));
    assert!(policy.should_cache_response(&response(200, &[("etag", "\"v1\"".into())])));
    assert!(policy.should_cache_response(&response(301, &[])));
    assert!(!policy.should_cache_response(&response(200, &[])));
    assert!(!policy.should_cache_response(&response(
        200,
        &[("cache-control", "no-store, max-age=60".into())]
    )));
    assert!(
        !policy.should_cache_response(&response(304, &[("cache-control", "max-age=60".into())]))
    );
    let mut no_store = Request::get("http://h/")
        .unwrap()
        .with_header("Cache-Control", "no-store");
    assert!(!policy.should_cache_request(&no_store));
    assert!(Dummy.is_cached_response_fresh(&cached(200, &[]), &mut no_store));
}

#[test]
fn freshness_follows_max_age_expires_and_heuristics() {
    let policy = Rfc2616;
    let mut request = Request::get("http://h/").unwrap();
    let fresh = |c: &Cached, r: &mut Request| policy.is_cached_response_fresh(c, r);
    assert!(fresh(
        &cached(
            200,
            &[
                ("cache-control", "max-age=60".into()),
                ("date", http_date(-30.0))
            ]
        ),
        &mut request
    ));
    assert!(!fresh(
        &cached(
            200,
            &[
                ("cache-control", "max-age=60".into()),
                ("date", http_date(-90.0))
            ]
        ),
        &mut request
    ));
    assert!(!fresh(
        &cached(
            200,
            &[("cache-control", "max-age=60".into()), ("age", "61".into())]
        ),
        &mut request
    ));
    assert!(fresh(
        &cached(200, &[("expires", http_date(60.0))]),
        &mut request
    ));
    assert!(!fresh(
        &cached(200, &[("expires", "garbage".into())]),
        &mut request
    ));
    // Last-Modified 1000 s before Date: fresh for 100 s.
    let heuristic = |age: f64| {
        cached(
            200,
            &[
                ("date", http_date(-age)),
                ("last-modified", http_date(-age - 1000.0)),
            ],
        )
    };
    assert!(fresh(&heuristic(50.0), &mut request) && !fresh(&heuristic(150.0), &mut request));
    assert!(fresh(&cached(301, &[]), &mut request) && !fresh(&cached(302, &[]), &mut request));
    assert!(!fresh(
        &cached(200, &[("cache-control", "no-cache, max-age=60".into())]),
        &mut request
    ));
    let mut capped = Request::get("http://h/")
        .unwrap()
        .with_header("Cache-Control", "max-age=10");
    assert!(!fresh(
        &cached(
            200,
            &[("cache-control", "max-age=60".into()), ("age", "20".into())]
        ),
        &mut capped
    ));
    let mut stale_ok = Request::get("http://h/")
        .unwrap()
        .with_header("Cache-Control", "max-stale=100");
    assert!(fresh(
        &cached(
            200,
            &[
                ("cache-control", "max-age=60".into()),
                ("age", "120".into())
            ]
        ),
        &mut stale_ok
    ));
}

#[test]
fn stale_responses_are_revalidated() {
    let policy = Rfc2616;
    let stored = cached(
        200,
        &[
            ("etag", "\"v1\"".into()),
            ("last-modified", http_date(-10.0)),
            ("date", http_date(0.0)),
        ],
    );
    let mut request = Request::get("http://h/").unwrap();
    let mut stale = stored.clone();
    stale
        .headers
        .insert(CACHE_CONTROL, HeaderValue::from_static("max-age=0"));
    assert!(!policy.is_cached_response_fresh(&stale, &mut request));
    assert_eq!(request.headers[IF_NONE_MATCH], "\"v1\"");
    assert_eq!(
        request.headers[IF_MODIFIED_SINCE],
        stored.headers[LAST_MODIFIED]
    );
    assert!(policy.is_cached_response_valid(&stored, &response(304, &[])));
    assert!(policy.is_cached_response_valid(&stored, &response(503, &[])));
    assert!(!policy.is_cached_response_valid(&stored, &response(200, &[])));
    let strict = cached(200, &[("cache-control", "must-revalidate".into())]);
    assert!(!policy.is_cached_response_valid(&strict, &response(503, &[])));
}

//! Handlers for error, redirect, politeness, compression, cookie and echo
//! endpoints. Every handler's behaviour is deterministic given the request
//! sequence.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::data;
use super::pages::{document, escape, simple_page};
use super::SiteState;

/// Largest delay accepted by `/slow` (longer requests are capped).
const MAX_SLOW_MS: u64 = 30_000;
/// Largest size in MiB accepted by `/big` and `/bomb/gzip` (larger requests are capped).
const MAX_MIB: usize = 256;
const MIB: usize = 1024 * 1024;

fn bad_request(message: &str) -> Response {
    simple_page(StatusCode::BAD_REQUEST, "Bad Request", message)
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// A redirect with `status` to `location` (a relative or absolute URL), with a small HTML body.
fn redirect(status: StatusCode, location: &str) -> Response {
    let Ok(value) = HeaderValue::from_str(location) else {
        return bad_request("invalid redirect target");
    };
    let body = format!(
        "<p>Redirecting to <a href=\"{0}\">{0}</a></p>\n",
        escape(location)
    );
    (
        status,
        [(header::LOCATION, value)],
        Html(document("Redirect", &body)),
    )
        .into_response()
}

/// Request headers as a JSON object with lowercased names; repeated headers
/// are joined with `, ` (`; ` for `cookie`).
fn headers_json(headers: &HeaderMap) -> Map<String, Value> {
    let mut map = Map::new();
    for name in headers.keys() {
        let sep = if name == header::COOKIE { "; " } else { ", " };
        let joined = headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect::<Vec<_>>()
            .join(sep);
        map.insert(name.as_str().to_string(), Value::String(joined));
    }
    map
}

/// `/status/{code}`: answers with that status (200..=599) and a small HTML
/// page titled `CODE Reason` (no body for 204, 205 and 304). Anything else is
/// a 400.
pub(super) async fn status(Path(code): Path<String>) -> Response {
    let status = code
        .parse::<u16>()
        .ok()
        .filter(|c| (200..=599).contains(c))
        .and_then(|c| StatusCode::from_u16(c).ok());
    let Some(status) = status else {
        return bad_request("status code must be between 200 and 599");
    };
    if matches!(status.as_u16(), 204 | 205 | 304) {
        return status.into_response();
    }
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Status")
    );
    simple_page(status, &title, "Status page of the demo site.")
}

/// Query of endpoints that take a redirect target.
#[derive(Deserialize)]
pub(super) struct ToQuery {
    to: Option<String>,
}

/// `/redirect?to=URL`: 302 to `URL` (any relative or absolute URL, not
/// checked); 400 without `to`.
pub(super) async fn redirect_to(Query(q): Query<ToQuery>) -> Response {
    match q.to {
        Some(to) => redirect(StatusCode::FOUND, &to),
        None => bad_request("missing `to` parameter"),
    }
}

/// `/redirect/chain/{n}`: 302 to `/redirect/chain/{n-1}`; `/redirect/chain/0`
/// is a 200 page titled `Chain End`. A non-numeric `n` is a 404.
pub(super) async fn redirect_chain(Path(n): Path<String>) -> Response {
    match n.parse::<u64>() {
        Ok(0) => simple_page(StatusCode::OK, "Chain End", "End of the redirect chain."),
        Ok(n) => redirect(StatusCode::FOUND, &format!("/redirect/chain/{}", n - 1)),
        Err(_) => super::pages::not_found(),
    }
}

/// `/redirect/loop`: always 302 to `/redirect/loop`.
pub(super) async fn redirect_loop() -> Response {
    redirect(StatusCode::FOUND, "/redirect/loop")
}

/// `/redirect/code/{code}?to=URL`: redirect with status `code` (one of 301,
/// 302, 303, 307, 308) to `URL` (default `/`); any other code is a 400.
pub(super) async fn redirect_code(Path(code): Path<String>, Query(q): Query<ToQuery>) -> Response {
    let status = match code.as_str() {
        "301" => StatusCode::MOVED_PERMANENTLY,
        "302" => StatusCode::FOUND,
        "303" => StatusCode::SEE_OTHER,
        "307" => StatusCode::TEMPORARY_REDIRECT,
        "308" => StatusCode::PERMANENT_REDIRECT,
        _ => return bad_request("redirect code must be 301, 302, 303, 307 or 308"),
    };
    redirect(status, q.to.as_deref().unwrap_or("/"))
}

/// `/meta-refresh?to=URL`: 200 page titled `Meta Refresh` whose head holds
/// `<meta http-equiv="refresh" content="0; url=URL">` (default URL `/`). The
/// body has no links.
pub(super) async fn meta_refresh(Query(q): Query<ToQuery>) -> Response {
    let to = q.to.as_deref().unwrap_or("/");
    Html(format!(
        "<html><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"0; url={}\">\
         <title>Meta Refresh</title></head><body>\n<p>Refreshing.</p>\n</body></html>\n",
        escape(to)
    ))
    .into_response()
}

/// `/slow?ms=N`: sleeps `N` milliseconds (default 1000, capped at 30 000),
/// then returns a 200 page titled `Slow`.
pub(super) async fn slow(Query(q): Query<SlowQuery>) -> Response {
    let ms = q.ms.unwrap_or(1000).min(MAX_SLOW_MS);
    tokio::time::sleep(Duration::from_millis(ms)).await;
    simple_page(StatusCode::OK, "Slow", &format!("Answered after {ms} ms."))
}

/// Query of `/slow`.
#[derive(Deserialize)]
pub(super) struct SlowQuery {
    ms: Option<u64>,
}

/// Query of `/flaky/{key}`.
#[derive(Deserialize)]
pub(super) struct FlakyQuery {
    fail: Option<u32>,
    code: Option<u16>,
}

/// `/flaky/{key}?fail=N&code=C`: the first `N` requests (default 1) with this
/// `key` answer status `C` (default 503, must be 400..=599) with a page titled
/// `Flaky Failure`; later ones answer 200 with a page titled `Flaky OK`. The
/// counter is per key (whatever `fail` and `code` say) and counts every
/// request to `/flaky/{key}`, including the failed ones.
pub(super) async fn flaky(
    State(state): State<Arc<SiteState>>,
    Path(key): Path<String>,
    Query(q): Query<FlakyQuery>,
) -> Response {
    let code = q.code.unwrap_or(503);
    let Some(status) = StatusCode::from_u16(code)
        .ok()
        .filter(|_| (400..=599).contains(&code))
    else {
        return bad_request("code must be between 400 and 599");
    };
    let attempt = {
        let mut counters = state.lock_flaky();
        let counter = counters.entry(key).or_insert(0);
        *counter += 1;
        *counter
    };
    if attempt <= q.fail.unwrap_or(1) {
        simple_page(
            status,
            "Flaky Failure",
            &format!("Attempt {attempt} failed."),
        )
    } else {
        simple_page(
            StatusCode::OK,
            "Flaky OK",
            &format!("Attempt {attempt} succeeded."),
        )
    }
}

/// Query of `/throttled/{key}`.
#[derive(Deserialize)]
pub(super) struct ThrottledQuery {
    retry_after: Option<u64>,
}

/// `/throttled/{key}?retry_after=S`: the first request with this `key`
/// answers 429 with `Retry-After: S` (default 1) and a page titled
/// `Too Many Requests`; every later one answers 200 with a page titled
/// `Throttled OK`.
pub(super) async fn throttled(
    State(state): State<Arc<SiteState>>,
    Path(key): Path<String>,
    Query(q): Query<ThrottledQuery>,
) -> Response {
    let first = state.lock_throttled().insert(key);
    if first {
        let retry_after = q.retry_after.unwrap_or(1);
        let mut response = simple_page(
            StatusCode::TOO_MANY_REQUESTS,
            "Too Many Requests",
            "Slow down.",
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        response
    } else {
        simple_page(StatusCode::OK, "Throttled OK", "Thanks for waiting.")
    }
}

/// Compresses `body` with an HTTP content coding (`gzip`, `deflate` = zlib
/// format, `br`, `zstd`); `None` for an unknown coding.
pub(super) fn compress(encoding: &str, body: &[u8]) -> Option<Vec<u8>> {
    let out = match encoding {
        "gzip" => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(body).ok()?;
            enc.finish().ok()?
        }
        "deflate" => {
            let mut enc =
                flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(body).ok()?;
            enc.finish().ok()?
        }
        "br" => {
            let mut out = Vec::new();
            {
                let mut enc = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                enc.write_all(body).ok()?;
            }
            out
        }
        "zstd" => zstd::encode_all(body, 3).ok()?,
        _ => return None,
    };
    Some(out)
}

/// `/compressed/{gzip|deflate|br|zstd}`: [`data::compressed_page`] (about
/// 20 KB of HTML titled `Compressed`) compressed with that coding and labelled
/// with `Content-Encoding`, whatever `Accept-Encoding` says. `deflate` is the
/// zlib format (RFC 9110). Other codings are a 404.
pub(super) async fn compressed(Path(encoding): Path<String>) -> Response {
    match compress(&encoding, data::compressed_page().as_bytes()) {
        Some(body) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
                (header::CONTENT_ENCODING, encoding),
            ],
            body,
        )
            .into_response(),
        None => super::pages::not_found(),
    }
}

/// Query of `/bomb/gzip` and `/big`.
#[derive(Deserialize)]
pub(super) struct SizeQuery {
    mb: Option<usize>,
}

/// `/bomb/gzip?mb=N`: a small gzip body (about 1 KB per MiB) with
/// `Content-Encoding: gzip` and `Content-Type: text/html` that decompresses to
/// `N` MiB (default 1, capped at 256) of ASCII spaces.
pub(super) async fn gzip_bomb(Query(q): Query<SizeQuery>) -> Response {
    let mib = q.mb.unwrap_or(1).min(MAX_MIB);
    let body = tokio::task::spawn_blocking(move || {
        let chunk = vec![b' '; MIB];
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        for _ in 0..mib {
            enc.write_all(&chunk)?;
        }
        enc.finish()
    })
    .await;
    match body {
        Ok(Ok(body)) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CONTENT_ENCODING, "gzip"),
            ],
            body,
        )
            .into_response(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// `/big?mb=N`: `N` MiB (default 1, capped at 256) of `text/plain` with a
/// `Content-Length`; the body repeats the 64-byte line of 63 `x` and `\n`.
pub(super) async fn big(Query(q): Query<SizeQuery>) -> Response {
    let mib = q.mb.unwrap_or(1).min(MAX_MIB);
    let mut line = [b'x'; 64];
    line[63] = b'\n';
    let body: Vec<u8> = line.iter().copied().cycle().take(mib * MIB).collect();
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        Bytes::from(body),
    )
        .into_response()
}

/// `/cookies/set?NAME=VALUE&...`: sets every query pair as a cookie
/// (`Set-Cookie: NAME=VALUE; Path=/`, one header per pair) and answers 200
/// with a JSON object of the cookies set. A pair that is not a valid header
/// value is a 400.
pub(super) async fn cookies_set(Query(pairs): Query<Vec<(String, String)>>) -> Response {
    let mut headers = HeaderMap::new();
    let mut set = Map::new();
    for (name, value) in pairs {
        let Ok(cookie) = HeaderValue::from_str(&format!("{name}={value}; Path=/")) else {
            return bad_request("invalid cookie");
        };
        headers.append(header::SET_COOKIE, cookie);
        set.insert(name, Value::String(value));
    }
    let mut response = json_response(StatusCode::OK, &Value::Object(set));
    response.headers_mut().extend(headers);
    response
}

/// `/cookies/echo`: a JSON object `{name: value}` of the cookies the request
/// carried in its `Cookie` header(s) (`{}` when none).
pub(super) async fn cookies_echo(headers: HeaderMap) -> Response {
    let mut cookies = Map::new();
    for value in headers.get_all(header::COOKIE) {
        let text = String::from_utf8_lossy(value.as_bytes());
        for pair in text.split(';') {
            let pair = pair.trim();
            if pair.is_empty() {
                continue;
            }
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            cookies.insert(name.to_string(), Value::String(value.to_string()));
        }
    }
    json_response(StatusCode::OK, &Value::Object(cookies))
}

/// `/headers`: a JSON object of the request headers (lowercased names;
/// repeated headers joined with `, `, or `; ` for `cookie`).
pub(super) async fn headers(headers: HeaderMap) -> Response {
    json_response(StatusCode::OK, &Value::Object(headers_json(&headers)))
}

/// `/echo` (any method): JSON `{"method", "path", "query", "headers",
/// "body"}`; `query` is `null` without a query string, `headers` as in
/// `/headers`, `body` is the request body decoded as UTF-8 (lossy).
pub(super) async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let value = serde_json::json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": uri.query(),
        "headers": Value::Object(headers_json(&headers)),
        "body": String::from_utf8_lossy(&body),
    });
    json_response(StatusCode::OK, &value)
}

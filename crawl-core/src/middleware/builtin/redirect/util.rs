//! Shared by RedirectMiddleware and MetaRefreshMiddleware: whether a request may be
//! redirected, and the request for the next hop.

use http::header::{
    AUTHORIZATION, CONTENT_ENCODING, CONTENT_LANGUAGE, CONTENT_LENGTH, CONTENT_LOCATION,
    CONTENT_TYPE, COOKIE,
};
use http::Method;
use serde_json::Value;
use url::Url;

use crate::middleware::IgnoreRequest;
use crate::{BoxError, Request, Settings, Stats};

/// Request meta key: `true` never redirects this request.
pub(crate) const DONT_REDIRECT_META: &str = "dont_redirect";
/// Request meta key: redirects followed so far.
pub(crate) const REDIRECT_TIMES_META: &str = "redirect_times";
/// Request meta key: the URLs redirected from, oldest first.
pub(crate) const REDIRECT_URLS_META: &str = "redirect_urls";
/// Request meta key: why each hop was redirected (a status, or `"meta refresh"`).
pub(crate) const REDIRECT_REASONS_META: &str = "redirect_reasons";

/// `REDIRECT_MAX_TIMES` and `REDIRECT_PRIORITY_ADJUST`.
pub(crate) struct Limits {
    max_times: u64,
    priority_adjust: i32,
}

impl Limits {
    /// The limits set by `settings`.
    pub(crate) fn new(settings: &Settings) -> Self {
        Limits {
            max_times: u64::from(settings.redirect_max_times),
            priority_adjust: settings.redirect_priority_adjust,
        }
    }
}

/// Whether `request`'s meta turns redirects off.
pub(crate) fn dont_redirect(request: &Request) -> bool {
    request.meta_flag(DONT_REDIRECT_META)
}

/// The request redirecting `source` to `target` for `reason`: with `to_get`, a GET without
/// body or content headers; `Cookie` and `Authorization` are dropped when the host changes
/// (`Authorization` also when the scheme does). Meta, callback and `dont_filter` are kept,
/// the priority moves by `REDIRECT_PRIORITY_ADJUST`, and the hop is recorded in the
/// `redirect_*` meta. Past `REDIRECT_MAX_TIMES` hops the request is dropped with
/// [`IgnoreRequest`], logged at WARN with its chain and counted in `redirect/max_reached`
/// (a page lost to a redirect loop must not pass unnoticed).
pub(crate) fn redirect(
    source: &Request,
    target: Url,
    reason: Value,
    to_get: bool,
    limits: &Limits,
    stats: &Stats,
) -> Result<Request, BoxError> {
    let times = source
        .meta
        .get(REDIRECT_TIMES_META)
        .and_then(Value::as_u64)
        .unwrap_or(0)
        + 1;
    if times > limits.max_times {
        stats.inc("redirect/max_reached");
        let first = source
            .meta
            .get(REDIRECT_URLS_META)
            .and_then(|urls| urls.get(0))
            .and_then(Value::as_str)
            .unwrap_or(source.url.as_str());
        tracing::warn!(
            "Discarding {source:?}: max redirections reached (REDIRECT_MAX_TIMES = {}) \
             after {} hops from <{first}>",
            limits.max_times,
            times - 1
        );
        return Err(IgnoreRequest("max redirections reached".to_owned()).into());
    }
    let mut next = source.clone();
    next.url = target;
    if to_get {
        next.method = Method::GET;
        next.body = Default::default();
        for name in [
            CONTENT_TYPE,
            CONTENT_LENGTH,
            CONTENT_ENCODING,
            CONTENT_LANGUAGE,
            CONTENT_LOCATION,
        ] {
            next.headers.remove(name);
        }
    }
    if next.url.host_str() != source.url.host_str() {
        next.headers.remove(COOKIE);
        next.headers.remove(AUTHORIZATION);
    } else if next.url.scheme() != source.url.scheme() {
        next.headers.remove(AUTHORIZATION);
    }
    next.priority = next.priority.saturating_add(limits.priority_adjust);
    let meta = &mut next.meta;
    meta.insert(REDIRECT_TIMES_META.to_owned(), times.into());
    push(meta, REDIRECT_URLS_META, source.url.as_str().into());
    push(meta, REDIRECT_REASONS_META, reason.clone());
    tracing::debug!("Redirecting ({reason}) to {next:?} from {source:?}");
    Ok(next)
}

/// Appends `value` to the list under `key` (made a list if it is not).
fn push(meta: &mut serde_json::Map<String, Value>, key: &str, value: Value) {
    let entry = meta
        .entry(key.to_owned())
        .or_insert_with(|| Value::Array(Vec::new()));
    if !entry.is_array() {
        *entry = Value::Array(Vec::new());
    }
    if let Value::Array(list) = entry {
        list.push(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_times: u64) -> Limits {
        Limits {
            max_times,
            priority_adjust: 2,
        }
    }

    #[test]
    fn hops_are_recorded_and_limited() {
        let source = Request::post("http://a.test/form", "x=1")
            .unwrap()
            .with_header("Content-Type", "text/plain");
        let target = Url::parse("http://a.test/next").unwrap();
        let next = redirect(
            &source,
            target.clone(),
            302.into(),
            true,
            &limits(2),
            &Stats::default(),
        )
        .unwrap();
        assert_eq!(
            (next.method.as_str(), next.body.len(), next.priority),
            ("GET", 0, 2)
        );
        assert!(next.headers.get(CONTENT_TYPE).is_none());
        assert_eq!(
            next.meta[REDIRECT_URLS_META],
            serde_json::json!(["http://a.test/form"])
        );
        let again = redirect(
            &next,
            target.clone(),
            "meta refresh".into(),
            false,
            &limits(2),
            &Stats::default(),
        )
        .unwrap();
        assert_eq!(again.meta[REDIRECT_TIMES_META], 2);
        assert_eq!(
            again.meta[REDIRECT_REASONS_META],
            serde_json::json!([302, "meta refresh"])
        );
        assert!(redirect(
            &again,
            target,
            302.into(),
            false,
            &limits(2),
            &Stats::default()
        )
        .is_err());
    }

    #[test]
    fn credentials_do_not_leave_the_host() {
        let source = Request::get("http://a.test/")
            .unwrap()
            .with_header("Cookie", "a=1")
            .with_header("Authorization", "Basic eA==");
        let same = redirect(
            &source,
            Url::parse("https://a.test/x").unwrap(),
            301.into(),
            false,
            &limits(5),
            &Stats::default(),
        )
        .unwrap();
        assert!(same.headers.contains_key(COOKIE) && !same.headers.contains_key(AUTHORIZATION));
        let other = redirect(
            &source,
            Url::parse("http://b.test/").unwrap(),
            301.into(),
            false,
            &limits(5),
            &Stats::default(),
        )
        .unwrap();
        assert!(!other.headers.contains_key(COOKIE) && !other.headers.contains_key(AUTHORIZATION));
    }
}

//! The compact form of a pending request: what a request costs while it waits in the queue.
//!
//! A `Request` is about 300 bytes (parsed URL, method, header map, body, meta); most pending
//! requests only have a URL, a callback, a priority and a depth. The queue keeps those in a
//! ~72-byte struct with the URL as text, and the rest boxed only when it is not the default.

use bytes::Bytes;
use http::{HeaderMap, Method};

use crate::{Callback, Request};

/// The parts of a request that are usually defaults.
struct Rare {
    method: Method,
    headers: HeaderMap,
    body: Bytes,
    meta: serde_json::Map<String, serde_json::Value>,
    errback: Option<Callback>,
    args: Option<serde_json::Value>,
}

/// A request waiting in the queue.
pub(crate) struct CompactRequest {
    url: Box<str>,
    callback: Callback,
    priority: i32,
    depth: u32,
    dont_filter: bool,
    rare: Option<Box<Rare>>,
    /// The frontier backend's own mark (the job dir's row id; 0 in memory).
    tag: u64,
}

impl CompactRequest {
    /// Packs `request`.
    pub(crate) fn pack(request: Request) -> Self {
        Self::pack_tagged(request, 0)
    }

    /// Packs `request` with a backend's `tag`.
    pub(crate) fn pack_tagged(request: Request, tag: u64) -> Self {
        let Request {
            url,
            method,
            headers,
            body,
            meta,
            priority,
            dont_filter,
            depth,
            callback,
            errback,
            args,
        } = request;
        let usual = method == Method::GET
            && headers.is_empty()
            && body.is_empty()
            && meta.is_empty()
            && errback.is_none()
            && args.is_none();
        CompactRequest {
            url: String::from(url).into_boxed_str(),
            callback,
            priority,
            depth,
            dont_filter,
            tag,
            rare: (!usual).then(|| {
                Box::new(Rare {
                    method,
                    headers,
                    body,
                    meta,
                    errback,
                    args,
                })
            }),
        }
    }

    /// The backend's tag.
    pub(crate) fn tag(&self) -> u64 {
        self.tag
    }

    /// The request's priority.
    pub(crate) fn priority(&self) -> i32 {
        self.priority
    }

    /// Unpacks the request; the URL text came from a parsed URL, so it parses again.
    pub(crate) fn unpack(self) -> Request {
        let url = match url::Url::parse(&self.url) {
            Ok(url) => url,
            Err(error) => unreachable!("a serialized URL parses: {error}"),
        };
        let mut request = Request::new(url).with_callback(self.callback);
        request.priority = self.priority;
        request.depth = self.depth;
        request.dont_filter = self.dont_filter;
        if let Some(rare) = self.rare {
            request.method = rare.method;
            request.headers = rare.headers;
            request.body = rare.body;
            request.meta = rare.meta;
            request.errback = rare.errback;
            request.args = rare.args;
        }
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_keeps_every_field() {
        let request = Request::post("http://h/a?b=1#f", "x=1")
            .unwrap()
            .with_header("x-a", "1")
            .with_meta("k", 2)
            .with_priority(-3)
            .with_dont_filter()
            .with_callback(Callback::from_static("other"))
            .errback(Callback::from_static("failed"))
            .with_args(serde_json::json!({"n": 2}));
        let mut request = request;
        request.depth = 4;
        let back = CompactRequest::pack(request.clone()).unpack();
        assert_eq!(back.url, request.url);
        assert_eq!(back.method, Method::POST);
        assert_eq!(back.body, request.body);
        assert_eq!(back.headers, request.headers);
        assert_eq!(back.meta, request.meta);
        assert_eq!((back.priority, back.depth, back.dont_filter), (-3, 4, true));
        assert_eq!(back.callback.name(), "other");
        assert_eq!(back.errback, Some(Callback::from_static("failed")));
        assert_eq!(back.args, Some(serde_json::json!({"n": 2})));
        let plain = CompactRequest::pack(Request::get("http://h/p").unwrap());
        assert!(plain.rare.is_none());
        assert!(std::mem::size_of::<CompactRequest>() <= 72);
    }
}

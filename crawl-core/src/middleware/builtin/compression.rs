//! HttpCompressionMiddleware: asks for gzip, deflate, br and zstd bodies and decodes them,
//! within `DOWNLOAD_MAXSIZE` (the `download_maxsize` meta overrides it) applied to the
//! decoded size at every step of nested codings, and within the memory budget
//! (`DOWNLOAD_MAXMEMORY`) as the body inflates, so a decompression bomb is dropped instead of
//! exhausting memory.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{ACCEPT_ENCODING, CONTENT_ENCODING};
use http::{HeaderValue, Method};

use crate::downloader::decode::{decode, Coding, DecodeError};
use crate::downloader::{DOWNLOAD_MAXSIZE_META, DOWNLOAD_WARNSIZE_META};
use crate::hook::Hook;
use crate::middleware::{
    DownloaderHooks, DownloaderMiddleware, DownloaderMiddlewareEntry, IgnoreRequest,
    RequestOutcome, ResponseOutcome,
};
use crate::response::BodyCharge;
use crate::{BoxError, Crawler, Request, Response, Settings};

/// The codings crawl decodes, as sent in `Accept-Encoding`.
const ACCEPTED: &str = "gzip, deflate, br, zstd";
/// Decoded sizes up to this are decoded on the async runtime; larger ones on a blocking thread.
const INLINE_LIMIT: u64 = 256 * 1024;

pub(super) const ENTRY: DownloaderMiddlewareEntry = DownloaderMiddlewareEntry {
    name: "HttpCompressionMiddleware",
    order: 590,
    create: |settings| {
        settings
            .compression_enabled
            .then(|| Arc::new(Compression::new(settings)) as Arc<dyn DownloaderMiddleware>)
    },
};

struct Compression {
    maxsize: u64,
    warnsize: u64,
}

impl Compression {
    fn new(settings: &Settings) -> Self {
        Compression {
            maxsize: settings.download_maxsize,
            warnsize: settings.download_warnsize,
        }
    }
}

/// The codings of `Content-Encoding` in the order applied, split into the ones left as they
/// are (an unknown coding and everything before it) and the ones to decode.
fn codings(response: &Response) -> (Vec<String>, Vec<Coding>) {
    let mut names: Vec<String> = response
        .headers
        .get_all(CONTENT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty() && !name.eq_ignore_ascii_case("identity"))
        .collect();
    let mut decodable = Vec::new();
    while let Some(coding) = names.last().and_then(|name| Coding::parse(name)) {
        decodable.insert(0, coding);
        names.pop();
    }
    (names, decodable)
}

/// A decoded body and its share of the memory budget.
struct Decoded {
    body: Vec<u8>,
    charge: BodyCharge,
}

/// Decodes on the runtime while small, on a blocking thread once past [`INLINE_LIMIT`];
/// `new_charge` gives each attempt an empty charge against the response's budget.
async fn decode_body(
    body: Bytes,
    codings: Vec<Coding>,
    maxsize: u64,
    new_charge: impl Fn() -> BodyCharge,
) -> Result<Decoded, DecodeError> {
    let inline_limit = if maxsize == 0 {
        INLINE_LIMIT
    } else {
        maxsize.min(INLINE_LIMIT)
    };
    let mut charge = new_charge();
    match decode(&body, &codings, inline_limit, &mut charge) {
        Err(DecodeError::TooLarge { .. }) if maxsize == 0 || maxsize > INLINE_LIMIT => {
            drop(charge);
            let mut charge = new_charge();
            let decoding = move || {
                decode(&body, &codings, maxsize, &mut charge).map(|body| Decoded { body, charge })
            };
            match tokio::task::spawn_blocking(decoding).await {
                Ok(result) => result,
                Err(join) => std::panic::resume_unwind(join.into_panic()),
            }
        }
        other => other.map(|body| Decoded { body, charge }),
    }
}

impl DownloaderMiddleware for Compression {
    fn process_request<'a>(
        &'a self,
        request: &'a mut Request,
        _: &'a Crawler,
    ) -> Hook<'a, Result<RequestOutcome, BoxError>> {
        if !request.headers.contains_key(ACCEPT_ENCODING) {
            request
                .headers
                .insert(ACCEPT_ENCODING, HeaderValue::from_static(ACCEPTED));
        }
        Hook::ready(Ok(RequestOutcome::Continue))
    }

    fn process_response<'a>(
        &'a self,
        response: Response,
        crawler: &'a Crawler,
    ) -> Hook<'a, Result<ResponseOutcome, BoxError>> {
        if response.request.method == Method::HEAD || response.body.is_empty() {
            return Hook::ready(Ok(ResponseOutcome::Continue(response)));
        }
        let (kept, decodable) = codings(&response);
        if decodable.is_empty() {
            return Hook::ready(Ok(ResponseOutcome::Continue(response)));
        }
        let maxsize = response
            .request
            .meta_u64(DOWNLOAD_MAXSIZE_META, self.maxsize);
        let warnsize = response
            .request
            .meta_u64(DOWNLOAD_WARNSIZE_META, self.warnsize);
        Hook::boxed(async move {
            let encoded = response.body.len() as u64;
            let limits = response.charge().map(BodyCharge::limits).cloned();
            let new_charge = || {
                limits
                    .as_ref()
                    .map_or_else(BodyCharge::unlimited, |l| l.charge())
            };
            let refused = |stat: &'static str, why: String| {
                crawler.stats().inc(stat);
                let message = format!(
                    "Ignored response {response:?} because its body ({encoded} B compressed) {why} during decompression."
                );
                tracing::warn!("{message}");
                Err(IgnoreRequest(message).into())
            };
            let decoded =
                match decode_body(response.body.clone(), decodable, maxsize, new_charge).await {
                    Ok(decoded) => decoded,
                    Err(DecodeError::TooLarge { limit }) => {
                        return refused(
                            "downloader/response_refused_maxsize",
                            format!("exceeded DOWNLOAD_MAXSIZE ({limit} B)"),
                        )
                    }
                    Err(DecodeError::OverBudget(over)) => {
                        return refused(
                            "downloader/response_refused_memory",
                            format!("was refused: {over}"),
                        )
                    }
                    Err(invalid) => {
                        return Err(BoxError::new(invalid).context(format!("decoding {response:?}")))
                    }
                };
            let Decoded {
                body: decoded,
                charge,
            } = decoded;
            let size = decoded.len() as u64;
            if warnsize > 0 && encoded < warnsize && warnsize <= size {
                tracing::warn!(
                    "{response:?} body size after decompression ({size} B) is larger than the download warning size ({warnsize} B)."
                );
            }
            crawler.stats().inc("httpcompression/response_count");
            crawler
                .stats()
                .inc_by("httpcompression/response_bytes", size as i64);
            let Response {
                status,
                url,
                request,
                mut headers,
                ..
            } = response;
            headers.remove(CONTENT_ENCODING);
            if let Ok(value) = HeaderValue::from_str(&kept.join(", ")) {
                if !kept.is_empty() {
                    headers.insert(CONTENT_ENCODING, value);
                }
            }
            Ok(ResponseOutcome::Continue(
                Response::new(request, url, status, headers, decoded.into()).with_charge(charge),
            ))
        })
    }

    fn hooks(&self) -> DownloaderHooks {
        DownloaderHooks::REQUEST_RESPONSE
    }
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, StatusCode};

    use super::*;

    fn response(encoding: &[&str]) -> Response {
        let mut headers = HeaderMap::new();
        for value in encoding {
            headers.append(CONTENT_ENCODING, HeaderValue::from_str(value).unwrap());
        }
        let request = Request::get("http://h/").unwrap();
        Response::new(
            request.clone(),
            request.url,
            StatusCode::OK,
            headers,
            Bytes::new(),
        )
    }

    #[test]
    fn codings_after_an_unknown_one_are_decoded() {
        assert_eq!(codings(&response(&["gzip"])), (vec![], vec![Coding::Gzip]));
        assert_eq!(
            codings(&response(&["gzip, br"])),
            (vec![], vec![Coding::Gzip, Coding::Brotli])
        );
        assert_eq!(
            codings(&response(&["deflate", "zstd"])),
            (vec![], vec![Coding::Deflate, Coding::Zstd])
        );
        assert_eq!(
            codings(&response(&["x-custom, gzip"])),
            (vec!["x-custom".to_owned()], vec![Coding::Gzip])
        );
        assert_eq!(codings(&response(&["gzip, x-custom"])).1, vec![]);
        assert_eq!(codings(&response(&["identity"])), (vec![], vec![]));
    }

    #[tokio::test]
    async fn big_bodies_are_decoded_off_the_runtime_within_the_limit() {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&vec![b'a'; 1024 * 1024]).unwrap();
        let body = Bytes::from(encoder.finish().unwrap());
        let decoded = decode_body(body.clone(), vec![Coding::Gzip], 0, BodyCharge::unlimited)
            .await
            .unwrap();
        assert_eq!(decoded.body.len(), 1024 * 1024);
        let limited = decode_body(
            body.clone(),
            vec![Coding::Gzip],
            512 * 1024,
            BodyCharge::unlimited,
        )
        .await;
        assert!(matches!(
            limited,
            Err(DecodeError::TooLarge { limit: 524_288 })
        ));
        let small = decode_body(body, vec![Coding::Gzip], 1000, BodyCharge::unlimited).await;
        assert!(matches!(small, Err(DecodeError::TooLarge { limit: 1000 })));
    }
}

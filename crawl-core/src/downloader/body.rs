//! Reading a response body within `DOWNLOAD_MAXSIZE`, warning past `DOWNLOAD_WARNSIZE`.

use bytes::{Bytes, BytesMut};

use crate::{Error, Request, Settings};

/// Meta key overriding `DOWNLOAD_MAXSIZE` for one request.
pub const DOWNLOAD_MAXSIZE_META: &str = "download_maxsize";

/// Reads the whole body; a single-chunk body is kept as it came, without a copy.
pub(super) async fn read_limited(
    mut response: reqwest::Response,
    request: &Request,
    settings: &Settings,
) -> Result<Bytes, Error> {
    let maxsize = request.meta_u64(DOWNLOAD_MAXSIZE_META, settings.download_maxsize);
    let too_large = || Error::TooLarge {
        url: request.url.to_string(),
        limit: maxsize,
    };
    let declared = response.content_length();
    if maxsize > 0 && declared.is_some_and(|len| len > maxsize) {
        return Err(too_large());
    }
    let mut first: Option<Bytes> = None;
    let mut joined: Option<BytesMut> = None;
    let mut total: u64 = 0;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| super::failure::network_error(request, e))?
    {
        total += chunk.len() as u64;
        if maxsize > 0 && total > maxsize {
            return Err(too_large());
        }
        match (&mut first, &mut joined) {
            (None, None) => first = Some(chunk),
            (Some(head), None) => {
                let mut buffer = BytesMut::with_capacity(
                    declared.map_or(head.len() + chunk.len(), |len| len as usize),
                );
                buffer.extend_from_slice(head);
                buffer.extend_from_slice(&chunk);
                first = None;
                joined = Some(buffer);
            }
            (_, Some(buffer)) => buffer.extend_from_slice(&chunk),
        }
    }
    let warnsize = request.meta_u64(super::DOWNLOAD_WARNSIZE_META, settings.download_warnsize);
    if warnsize > 0 && total > warnsize {
        tracing::warn!(url = %request.url, bytes = total, warnsize, "received a response larger than DOWNLOAD_WARNSIZE");
    }
    Ok(match (first, joined) {
        (_, Some(buffer)) => buffer.freeze(),
        (Some(chunk), None) => chunk,
        (None, None) => Bytes::new(),
    })
}

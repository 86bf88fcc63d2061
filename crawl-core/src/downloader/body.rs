//! Reading a response body within `DOWNLOAD_MAXSIZE` and the memory budget
//! (`DOWNLOAD_MAXMEMORY`), warning past `DOWNLOAD_WARNSIZE`.

use bytes::{Bytes, BytesMut};

use crate::response::BodyCharge;
use crate::{Error, Request, Settings};

/// Meta key overriding `DOWNLOAD_MAXSIZE` for one request.
pub const DOWNLOAD_MAXSIZE_META: &str = "download_maxsize";

/// Reads the whole body; a single-chunk body is kept as it came, without a copy. `charge`
/// grows with the memory the body takes, before it is taken.
pub(super) async fn read_limited(
    mut response: reqwest::Response,
    request: &Request,
    settings: &Settings,
    charge: &mut BodyCharge,
) -> Result<Bytes, Error> {
    let maxsize = request.meta_u64(DOWNLOAD_MAXSIZE_META, settings.download_maxsize);
    let too_large = || Error::TooLarge {
        url: request.url.to_string(),
        limit: maxsize,
    };
    let over_budget = |source| Error::OverMemoryBudget {
        url: request.url.to_string(),
        source,
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
            (None, None) => {
                charge.grow(chunk.len() as u64).map_err(over_budget)?;
                first = Some(chunk);
            }
            (Some(head), None) => {
                let capacity = declared.map_or(head.len() + chunk.len(), |len| len as usize);
                charge.grow(capacity as u64).map_err(over_budget)?;
                let mut buffer = BytesMut::with_capacity(capacity);
                buffer.extend_from_slice(head);
                buffer.extend_from_slice(&chunk);
                charge.shrink(head.len() as u64);
                first = None;
                joined = Some(buffer);
            }
            (_, Some(buffer)) => {
                // Grow by doubling, charged before the memory is taken.
                let spare = buffer.capacity() - buffer.len();
                if spare < chunk.len() {
                    let capacity = (buffer.capacity() * 2).max(buffer.len() + chunk.len());
                    charge
                        .grow((capacity - buffer.capacity()) as u64)
                        .map_err(over_budget)?;
                    buffer.reserve(capacity - buffer.len());
                }
                buffer.extend_from_slice(&chunk);
            }
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

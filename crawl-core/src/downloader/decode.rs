//! Decoding HTTP content codings (gzip, deflate, br, zstd) in bounded chunks, so a
//! decompression bomb stops at the size limit instead of exhausting memory.

use std::io::{self, Read};

use crate::response::{BodyCharge, OverBudget};

/// Bytes decoded per read.
const CHUNK: usize = 64 * 1024;

/// A content coding crawl decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// `gzip` (or `x-gzip`), possibly several members.
    Gzip,
    /// `deflate`: the zlib format, or raw deflate as some servers send.
    Deflate,
    /// `br`: Brotli.
    Brotli,
    /// `zstd`: Zstandard.
    Zstd,
}

impl Coding {
    /// The coding named `name` in a `Content-Encoding` header (any case).
    pub fn parse(name: &str) -> Option<Coding> {
        match name.trim().to_ascii_lowercase().as_str() {
            "gzip" | "x-gzip" => Some(Coding::Gzip),
            "deflate" => Some(Coding::Deflate),
            "br" => Some(Coding::Brotli),
            "zstd" => Some(Coding::Zstd),
            _ => None,
        }
    }

    /// Its name in headers.
    pub fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
        }
    }
}

/// Why a body could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The decoded body would be larger than the limit.
    #[error("the decoded body is larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The decoded body would take the bodies in memory past `DOWNLOAD_MAXMEMORY`.
    #[error(transparent)]
    OverBudget(#[from] OverBudget),
    /// The body is not valid for its coding.
    #[error("invalid {coding} body: {source}")]
    Invalid {
        /// The coding's name.
        coding: &'static str,
        /// What the decoder said.
        source: io::Error,
    },
}

/// Decodes `body`, encoded with `codings` in that order (so decoded in reverse), into at most
/// `limit` bytes (0: no limit) at every step. `charge` grows with the memory each decoded
/// step takes, before it is taken, and ends holding the decoded body's.
pub fn decode(
    body: &[u8],
    codings: &[Coding],
    limit: u64,
    charge: &mut BodyCharge,
) -> Result<Vec<u8>, DecodeError> {
    // The first step reads the body where it is; only decoded steps are owned.
    let mut data = std::borrow::Cow::Borrowed(body);
    for &coding in codings.iter().rev() {
        let decoded = decode_one(&data, coding, limit, charge);
        if let std::borrow::Cow::Owned(step) = &data {
            charge.shrink(step.capacity() as u64);
        }
        data = std::borrow::Cow::Owned(decoded?);
    }
    Ok(data.into_owned())
}

fn decode_one(
    body: &[u8],
    coding: Coding,
    limit: u64,
    charge: &mut BodyCharge,
) -> Result<Vec<u8>, DecodeError> {
    let invalid = |source| DecodeError::Invalid {
        coding: coding.name(),
        source,
    };
    let mut read = |reader: &mut dyn Read| read_bounded(reader, limit, body.len(), charge);
    match coding {
        // Like Scrapy's gunzip: a truncated body or a bad checksum keeps what was decoded.
        Coding::Gzip => match read(&mut flate2::read::MultiGzDecoder::new(body)) {
            Err(ReadError::Io(_, partial)) if !partial.is_empty() => Ok(partial),
            other => other.map_err(|e| e.into_decode(invalid)),
        },
        Coding::Deflate => match read(&mut flate2::read::ZlibDecoder::new(body)) {
            Err(ReadError::Io(_, partial)) => {
                drop(read);
                charge.shrink(partial.capacity() as u64);
                read_bounded(
                    &mut flate2::read::DeflateDecoder::new(body),
                    limit,
                    body.len(),
                    charge,
                )
                .map_err(|e| e.into_decode(invalid))
            }
            other => other.map_err(|e| e.into_decode(invalid)),
        },
        Coding::Brotli => {
            read(&mut brotli::Decompressor::new(body, 4096)).map_err(|e| e.into_decode(invalid))
        }
        Coding::Zstd => {
            let mut decoder = zstd::stream::read::Decoder::new(body).map_err(invalid)?;
            read(&mut decoder).map_err(|e| e.into_decode(invalid))
        }
    }
}

enum ReadError {
    TooLarge(u64),
    OverBudget(OverBudget),
    /// The error and what was decoded before it.
    Io(io::Error, Vec<u8>),
}

impl ReadError {
    fn into_decode(self, invalid: impl FnOnce(io::Error) -> DecodeError) -> DecodeError {
        match self {
            ReadError::TooLarge(limit) => DecodeError::TooLarge { limit },
            ReadError::OverBudget(over) => DecodeError::OverBudget(over),
            ReadError::Io(error, _) => invalid(error),
        }
    }
}

/// Reads `reader` to its end in chunks, failing as soon as more than `limit` bytes came or
/// the output would take the bodies in memory past the budget. The output grows by
/// doubling, each growth charged before it is made; on failure its charge is given back.
fn read_bounded(
    reader: &mut dyn Read,
    limit: u64,
    encoded_len: usize,
    charge: &mut BodyCharge,
) -> Result<Vec<u8>, ReadError> {
    let bound = if limit == 0 { u64::MAX } else { limit };
    let guess = encoded_len.saturating_mul(4).max(CHUNK) as u64;
    let capacity = guess.min(bound.saturating_add(1)) as usize;
    charge
        .grow(capacity as u64)
        .map_err(ReadError::OverBudget)?;
    let mut out = Vec::with_capacity(capacity);
    let mut chunk = vec![0; CHUNK];
    let result = loop {
        match reader.read(&mut chunk) {
            Ok(0) => break Ok(()),
            Ok(n) => {
                if (out.len() + n) as u64 > bound {
                    break Err(ReadError::TooLarge(limit));
                }
                if out.capacity() - out.len() < n {
                    let wanted = (out.capacity() * 2)
                        .max(out.len() + n)
                        .min(bound.saturating_add(1).try_into().unwrap_or(usize::MAX));
                    if let Err(over) = charge.grow((wanted - out.capacity()) as u64) {
                        break Err(ReadError::OverBudget(over));
                    }
                    out.reserve_exact(wanted - out.len());
                }
                out.extend_from_slice(&chunk[..n]);
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => break Err(ReadError::Io(error, Vec::new())),
        }
    };
    match result {
        Ok(()) => Ok(out),
        Err(ReadError::Io(error, _)) => Err(ReadError::Io(error, out)),
        Err(other) => {
            charge.shrink(out.capacity() as u64);
            Err(other)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::response::ResponseLimits;
    use crate::{Settings, Stats};

    fn free() -> BodyCharge {
        BodyCharge::unlimited()
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn encode(coding: Coding, data: &[u8]) -> Vec<u8> {
        match coding {
            Coding::Gzip => gzip(data),
            Coding::Deflate => {
                let mut encoder =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(data).unwrap();
                encoder.finish().unwrap()
            }
            Coding::Brotli => {
                let mut out = Vec::new();
                brotli::CompressorWriter::new(&mut out, 4096, 5, 22)
                    .write_all(data)
                    .unwrap();
                out
            }
            Coding::Zstd => zstd::encode_all(data, 3).unwrap(),
        }
    }

    #[test]
    fn every_coding_round_trips_and_stacks() {
        let text = b"<html>hello hello hello hello</html>".repeat(100);
        for coding in [Coding::Gzip, Coding::Deflate, Coding::Brotli, Coding::Zstd] {
            assert_eq!(
                decode(&encode(coding, &text), &[coding], 0, &mut free()).unwrap(),
                text,
                "{coding:?}"
            );
            assert_eq!(Coding::parse(&coding.name().to_uppercase()), Some(coding));
        }
        let stacked = encode(Coding::Brotli, &gzip(&text));
        assert_eq!(
            decode(&stacked, &[Coding::Gzip, Coding::Brotli], 0, &mut free()).unwrap(),
            text
        );
        assert_eq!(Coding::parse("x-gzip"), Some(Coding::Gzip));
        assert_eq!(Coding::parse("identity"), None);
    }

    #[test]
    fn raw_deflate_and_truncated_gzip_are_tolerated() {
        let mut raw =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        raw.write_all(b"raw deflate").unwrap();
        assert_eq!(
            decode(&raw.finish().unwrap(), &[Coding::Deflate], 0, &mut free()).unwrap(),
            b"raw deflate"
        );
        let text = b"0123456789".repeat(10_000);
        let whole = gzip(&text);
        let partial = decode(&whole[..whole.len() - 20], &[Coding::Gzip], 0, &mut free()).unwrap();
        assert!(!partial.is_empty() && text.starts_with(&partial));
        assert!(matches!(
            decode(b"not gzip", &[Coding::Gzip], 0, &mut free()),
            Err(DecodeError::Invalid { coding: "gzip", .. })
        ));
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        let bomb = gzip(&vec![b' '; 8 * 1024 * 1024]);
        assert!(bomb.len() < 64 * 1024);
        let limit = 1024 * 1024;
        assert!(
            matches!(decode(&bomb, &[Coding::Gzip], limit, &mut free()), Err(DecodeError::TooLarge { limit: l }) if l == limit)
        );
        assert_eq!(
            decode(&bomb, &[Coding::Gzip], 8 * 1024 * 1024, &mut free())
                .unwrap()
                .len(),
            8 * 1024 * 1024
        );
    }

    #[test]
    fn nested_codings_stop_at_the_memory_budget_and_give_it_back() {
        let settings = Settings {
            download_maxmemory: 4 * 1024 * 1024,
            ..Settings::default()
        };
        let limits = ResponseLimits::new(&settings, Stats::default());
        let inner = gzip(&vec![0; 16 * 1024 * 1024]);
        let nested = gzip(&inner);
        let mut charge = limits.charge();
        let refused = decode(&nested, &[Coding::Gzip, Coding::Gzip], 0, &mut charge);
        assert!(
            matches!(refused, Err(DecodeError::OverBudget(over)) if over.budget == 4 * 1024 * 1024),
            "{refused:?}"
        );
        assert_eq!(charge.bytes(), 0);
        assert_eq!(limits.in_use(), 0);
        let small = gzip(&gzip(&vec![b'a'; 1024 * 1024]));
        let decoded = decode(&small, &[Coding::Gzip, Coding::Gzip], 0, &mut charge).unwrap();
        assert_eq!(decoded.len(), 1024 * 1024);
        assert_eq!(
            charge.bytes(),
            decoded.capacity() as u64,
            "only the result stays charged"
        );
        assert_eq!(limits.in_use(), charge.bytes());
    }
}

//! Reading a response body under a cap that holds after decompression.

use std::io::{self, Write};

use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_LENGTH};
use http::HeaderMap;
use http_body_util::BodyExt;
use hyper::body::Incoming;

use super::ClientError;

/// A writer that fails once more than `limit` bytes were written to it.
struct Capped {
    buf: Vec<u8>,
    limit: usize,
}

/// The marker error `Capped` returns, told apart from a corrupt stream.
#[derive(Debug)]
struct OverLimit;

impl std::fmt::Display for OverLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("body over the limit")
    }
}

impl std::error::Error for OverLimit {}

impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buf.len().saturating_add(data.len()) > self.limit {
            return Err(io::Error::other(OverLimit));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

enum Sink {
    Identity(Capped),
    Gzip(Box<flate2::write::GzDecoder<Capped>>),
}

fn map_io(e: io::Error, limit: usize) -> ClientError {
    if e.get_ref().is_some_and(|inner| inner.is::<OverLimit>()) {
        ClientError::TooLarge { limit }
    } else {
        ClientError::Decode(e.to_string())
    }
}

/// Reads `body` to the end, decompressing gzip, failing as soon as more than `limit` bytes
/// (decompressed) would be held. A `HEAD` or 204/304 body is simply empty.
pub(crate) async fn read_capped(
    headers: &HeaderMap,
    mut body: Incoming,
    limit: usize,
) -> Result<Bytes, ClientError> {
    let encoding = headers
        .get(CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    let mut sink = match encoding.as_str() {
        "" | "identity" => {
            if declared.is_some_and(|n| n > limit) {
                return Err(ClientError::TooLarge { limit });
            }
            Sink::Identity(Capped {
                buf: Vec::with_capacity(declared.unwrap_or(0).min(limit).min(64 * 1024)),
                limit,
            })
        }
        "gzip" | "x-gzip" => Sink::Gzip(Box::new(flate2::write::GzDecoder::new(Capped {
            buf: Vec::new(),
            limit,
        }))),
        other => {
            // We only ever offer gzip.
            return Err(ClientError::Decode(format!("content-encoding {other:?}")));
        }
    };
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| ClientError::Protocol(e.to_string()))?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        match &mut sink {
            Sink::Identity(w) => w.write_all(&data),
            Sink::Gzip(d) => d.write_all(&data),
        }
        .map_err(|e| map_io(e, limit))?;
    }
    let buf = match sink {
        Sink::Identity(w) => w.buf,
        Sink::Gzip(d) => d.finish().map_err(|e| map_io(e, limit))?.buf,
    };
    Ok(Bytes::from(buf))
}

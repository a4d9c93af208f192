//! Responses that choose their own `Content-Encoding`.
//!
//! The site's compression layer streams every response through an encoder
//! in 4 KB pieces. Sync replies are made whole in memory, so they are
//! encoded whole instead (one call, sent with its length) and marked
//! [`PreEncoded`] so the layer leaves them as they are — compressed or not.

use axum::{
    http::{
        header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, VARY},
        Extensions, HeaderMap, StatusCode, Version,
    },
    response::{IntoResponse, Response},
};
use tower_http::compression::{predicate::DefaultPredicate, CompressionLayer, Predicate};

/// Marks a response whose body is final: the compression layer skips it.
#[derive(Clone, Copy)]
pub struct PreEncoded;

/// The site's compression layer: everything the default predicate would
/// compress, except responses marked [`PreEncoded`].
pub fn compression() -> CompressionLayer<impl Predicate> {
    let not_pre_encoded =
        |_: StatusCode, _: Version, _: &HeaderMap, ext: &Extensions| ext.get::<PreEncoded>().is_none();
    CompressionLayer::new().compress_when(DefaultPredicate::new().and(not_pre_encoded))
}

/// A JSON body as it goes out: gzipped or not.
pub struct JsonBody {
    pub bytes: Vec<u8>,
    pub gzipped: bool,
}

impl JsonBody {
    /// gzip `json` if the client takes gzip and it is at least `min` bytes.
    pub fn encode(json: Vec<u8>, gzip: bool, min: usize) -> JsonBody {
        if gzip && json.len() >= min {
            if let Some(bytes) = gzip_bytes(&json) {
                return JsonBody { bytes, gzipped: true };
            }
        }
        JsonBody { bytes: json, gzipped: false }
    }
}

impl IntoResponse for JsonBody {
    fn into_response(self) -> Response {
        let json = [(CONTENT_TYPE, "application/json"), (VARY, "accept-encoding")];
        let mut res = if self.gzipped {
            (json, [(CONTENT_ENCODING, "gzip")], self.bytes).into_response()
        } else {
            (json, self.bytes).into_response()
        };
        res.extensions_mut().insert(PreEncoded);
        res
    }
}

/// gzip at the fastest level (zlib-rs): ~4 to 1 on a pull page.
pub fn gzip_bytes(data: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(data.len() / 3), flate2::Compression::fast());
    enc.write_all(data).ok()?;
    enc.finish().ok()
}

/// True if the request's `Accept-Encoding` allows gzip (`gzip` or `x-gzip`
/// without `q=0`; `*` counts too).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default().to_ascii_lowercase();
            let refused = parts
                .any(|p| p.strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()).is_some_and(|q| q <= 0.0));
            matches!(coding.as_str(), "gzip" | "x-gzip" | "*") && !refused
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(axum::http::header::ACCEPT_ENCODING, accept.parse().unwrap());
        h
    }

    #[test]
    fn gzip_is_sent_only_where_accepted_and_decodes_back() {
        assert!(accepts_gzip(&with("gzip, deflate")));
        assert!(accepts_gzip(&with("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&with("*")));
        assert!(!accepts_gzip(&with("gzip;q=0, br")));
        assert!(!accepts_gzip(&with("br, zstd")));
        assert!(!accepts_gzip(&HeaderMap::new()));
        let page = "{\"changes\":[],\"next_cursor\":0,\"has_more\":false}".repeat(50);
        let gz = gzip_bytes(page.as_bytes()).unwrap();
        assert!(gz.len() < page.len() / 4);
        let mut back = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back).unwrap();
        assert_eq!(back, page);
    }
}

//! The parts of a request that signatures cover, computed the same way for signing and verifying.

use http::{HeaderMap, Method, Uri};

use super::error::snippet;
use super::{SignatureError, MAX_HEADER_BYTES};

pub(crate) struct RequestParts<'a> {
    pub method: &'a Method,
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
}

impl RequestParts<'_> {
    /// All field lines of a header, each trimmed, joined with ", " (RFC 9421 section 2.1; what
    /// draft-cavage section 2.3 asks for too). `None` when absent.
    pub fn header(&self, name: &str) -> Result<Option<String>, SignatureError> {
        let mut out: Option<String> = None;
        for v in self.headers.get_all(name) {
            let s = std::str::from_utf8(v.as_bytes()).map_err(|_| {
                SignatureError::Malformed(format!("{} header encoding", snippet(name)))
            })?;
            let s = s.trim_matches(|c| c == ' ' || c == '\t');
            match out.as_mut() {
                Some(acc) => {
                    acc.push_str(", ");
                    acc.push_str(s);
                }
                None => out = Some(s.to_owned()),
            }
            if out.as_ref().map_or(0, String::len) > MAX_HEADER_BYTES {
                return Err(SignatureError::HeaderTooLarge("covered"));
            }
        }
        Ok(out)
    }

    pub fn required_header(&self, name: &str) -> Result<String, SignatureError> {
        self.header(name)?
            .ok_or_else(|| SignatureError::MissingHeader(snippet(name)))
    }

    /// The `Host` header, or the URI's authority when there is none (HTTP/2 carries it there).
    pub fn host(&self) -> Result<String, SignatureError> {
        match self.header("host")? {
            Some(h) => Ok(h),
            None => self
                .uri
                .authority()
                .map(|a| a.as_str().to_owned())
                .ok_or_else(|| SignatureError::MissingHeader("host".into())),
        }
    }

    pub fn path(&self) -> &str {
        match self.uri.path() {
            "" => "/",
            p => p,
        }
    }

    /// Origin-form request target: path and query as they appear on the request line.
    pub fn request_target(&self) -> String {
        match self.uri.query() {
            Some(q) => format!("{}?{q}", self.path()),
            None => self.path().to_owned(),
        }
    }

    pub fn scheme(&self) -> Result<String, SignatureError> {
        self.uri
            .scheme_str()
            .map(str::to_ascii_lowercase)
            .ok_or_else(|| SignatureError::Malformed("request URI has no scheme".into()))
    }

    /// RFC 9421 `@authority`: lower-case host, default port dropped. From the URI when absolute,
    /// else from the `Host` header.
    pub fn authority(&self) -> Result<String, SignatureError> {
        let raw = match self.uri.authority() {
            Some(a) => a.as_str().to_owned(),
            None => self.host()?,
        };
        Ok(normalize_authority(&raw, self.uri.scheme_str()))
    }

    /// RFC 9421 `@target-uri`; needs an absolute request URI.
    pub fn target_uri(&self) -> Result<String, SignatureError> {
        if self.uri.authority().is_none() {
            return Err(SignatureError::Malformed(
                "@target-uri needs an absolute request URI".into(),
            ));
        }
        Ok(format!(
            "{}://{}{}",
            self.scheme()?,
            self.authority()?,
            self.request_target()
        ))
    }

    /// RFC 9421 `@query-param;name=…`: the single occurrence of that form parameter, re-encoded.
    pub fn query_param(&self, encoded_name: &str) -> Result<String, SignatureError> {
        let query = self.uri.query().unwrap_or("");
        let mut found: Option<String> = None;
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let name: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
            if name == encoded_name {
                if found.is_some() {
                    return Err(SignatureError::Malformed(format!(
                        "query parameter {} occurs twice",
                        snippet(encoded_name)
                    )));
                }
                found = Some(form_urlencoded::byte_serialize(value.as_bytes()).collect());
            }
        }
        found.ok_or_else(|| {
            SignatureError::MissingComponent(format!("@query-param {}", snippet(encoded_name)))
        })
    }
}

/// Lower-cases the host and drops the port when it is the scheme's default.
pub(crate) fn normalize_authority(raw: &str, scheme: Option<&str>) -> String {
    let lower = raw.to_ascii_lowercase();
    let default_port = match scheme.map(str::to_ascii_lowercase).as_deref() {
        Some("https") => Some(":443"),
        Some("http") => Some(":80"),
        _ => None,
    };
    match default_port {
        Some(p) if lower.ends_with(p) => lower[..lower.len() - p.len()].to_owned(),
        _ => lower,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn derived_values() -> Result<(), Box<dyn std::error::Error>> {
        let uri: Uri = "https://Example.COM:443/foo?param=Value&Pet=dog&sp=a+b%21".parse()?;
        let mut headers = HeaderMap::new();
        headers.append("x-multi", HeaderValue::from_static(" one "));
        headers.append("x-multi", HeaderValue::from_static("two\t"));
        let r = RequestParts {
            method: &Method::POST,
            uri: &uri,
            headers: &headers,
        };
        assert_eq!(r.authority()?, "example.com");
        assert_eq!(
            r.target_uri()?,
            "https://example.com/foo?param=Value&Pet=dog&sp=a+b%21"
        );
        assert_eq!(r.request_target(), "/foo?param=Value&Pet=dog&sp=a+b%21");
        assert_eq!(r.query_param("Pet")?, "dog");
        assert_eq!(r.query_param("sp")?, "a+b%21");
        assert!(matches!(
            r.query_param("nope"),
            Err(SignatureError::MissingComponent(_))
        ));
        assert_eq!(r.header("x-multi")?.as_deref(), Some("one, two"));
        assert_eq!(r.header("x-none")?, None);
        // No Host header: the URI's authority stands in.
        assert_eq!(r.host()?, "Example.COM:443");
        Ok(())
    }

    #[test]
    fn origin_form() -> Result<(), Box<dyn std::error::Error>> {
        let uri: Uri = "/inbox".parse()?;
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("B.test:8080"));
        let r = RequestParts {
            method: &Method::POST,
            uri: &uri,
            headers: &headers,
        };
        assert_eq!(r.authority()?, "b.test:8080");
        assert_eq!(r.host()?, "B.test:8080");
        assert!(matches!(r.target_uri(), Err(SignatureError::Malformed(_))));
        let twice: Uri = "/x?a=1&a=2".parse()?;
        let r = RequestParts {
            method: &Method::GET,
            uri: &twice,
            headers: &headers,
        };
        assert!(matches!(
            r.query_param("a"),
            Err(SignatureError::Malformed(_))
        ));
        Ok(())
    }
}

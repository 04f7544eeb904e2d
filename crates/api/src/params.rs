//! Request parameters as real clients send them: query string, JSON, urlencoded form or
//! multipart, all merged into one map. Form keys follow Rails' conventions (`ids[]=1`,
//! `fields_attributes[0][name]=x`), values are coerced the way Rails does (booleans from
//! `1`/`0`/`true`/`false`…), unknown parameters are ignored.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// Largest non-media request body we read.
pub const MAX_BODY: usize = 256 * 1024;

#[derive(Debug, Default, Clone)]
pub struct Params(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let mut params = Self::parse(req, state).await?;
        for v in params.0.values_mut() {
            strip_nul(v);
        }
        Ok(params)
    }
}

/// NUL never belongs in text a client sends, and PostgreSQL refuses to store it.
fn strip_nul(v: &mut Value) {
    match v {
        Value::String(s) if s.contains('\0') => *s = s.replace('\0', ""),
        Value::Array(items) => items.iter_mut().for_each(strip_nul),
        Value::Object(obj) => obj.values_mut().for_each(strip_nul),
        _ => {}
    }
}

impl Params {
    /// Parameters from form fields read elsewhere (a streamed multipart upload form).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut map = Map::new();
        merge_pairs(&mut map, pairs);
        let mut params = Params(map);
        for v in params.0.values_mut() {
            strip_nul(v);
        }
        params
    }

    async fn parse<S: Send + Sync>(req: Request, state: &S) -> Result<Self, ApiError> {
        let mut map = Map::new();
        if let Some(q) = req.uri().query() {
            merge_pairs(&mut map, form_urlencoded::parse(q.as_bytes()).into_owned());
        }
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if content_type.starts_with("multipart/form-data") {
            let mut mp = Multipart::from_request(req, state)
                .await
                .map_err(|e| ApiError::BadRequest(format!("Invalid multipart body: {e}")))?;
            let mut pairs = Vec::new();
            let mut total = 0usize;
            while let Some(field) = mp.next_field().await.map_err(multipart_error)? {
                let Some(name) = field.name().map(str::to_string) else {
                    continue;
                };
                if field.file_name().is_some() {
                    // Files (avatars, media) are handled by the media endpoints, not here.
                    continue;
                }
                let text = field.text().await.map_err(multipart_error)?;
                total += text.len();
                if total > MAX_BODY {
                    return Err(ApiError::PayloadTooLarge);
                }
                pairs.push((name, text));
            }
            merge_pairs(&mut map, pairs);
            return Ok(Params(map));
        }
        let body = read_body(req).await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Params(map));
        }
        if content_type.starts_with("application/json") || content_type.contains("+json") {
            match serde_json::from_slice::<Value>(&body) {
                Ok(Value::Object(obj)) => {
                    for (k, v) in obj {
                        map.insert(k, v);
                    }
                }
                Ok(_) => {
                    return Err(ApiError::BadRequest(
                        "The request body must be a JSON object".into(),
                    ))
                }
                Err(_) => {
                    return Err(ApiError::BadRequest(
                        "Error occurred while parsing request parameters.".into(),
                    ))
                }
            }
        } else {
            merge_pairs(&mut map, form_urlencoded::parse(&body).into_owned());
        }
        Ok(Params(map))
    }
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::BadRequest(format!("Invalid multipart body: {}", e.body_text()))
    }
}

async fn read_body(req: Request) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .map_err(|_| ApiError::PayloadTooLarge)
}

/// Builds nested values from Rails-style keys.
fn merge_pairs(map: &mut Map<String, Value>, pairs: impl IntoIterator<Item = (String, String)>) {
    for (key, value) in pairs {
        let (head, path) = split_key(&key);
        insert_path(map, head, &path, Value::String(value));
    }
}

/// `a[b][]` -> ("a", ["b", ""]).
fn split_key(key: &str) -> (&str, Vec<&str>) {
    let Some(open) = key.find('[') else {
        return (key, Vec::new());
    };
    let head = &key[..open];
    let mut path = Vec::new();
    let mut rest = &key[open..];
    while let Some(stripped) = rest.strip_prefix('[') {
        let Some(close) = stripped.find(']') else {
            break;
        };
        path.push(&stripped[..close]);
        rest = &stripped[close + 1..];
    }
    (head, path)
}

/// Nesting is bounded (clients never send more than three levels).
const MAX_DEPTH: usize = 4;

fn insert_path(map: &mut Map<String, Value>, head: &str, path: &[&str], value: Value) {
    if path.is_empty() || path.len() > MAX_DEPTH {
        map.insert(head.to_string(), value);
        return;
    }
    let slot = map.entry(head.to_string()).or_insert(Value::Null);
    insert_into(slot, path, value);
}

fn insert_into(slot: &mut Value, path: &[&str], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        *slot = value;
        return;
    };
    if first.is_empty() {
        if !slot.is_array() {
            *slot = Value::Array(Vec::new());
        }
        if let Value::Array(list) = slot {
            if rest.is_empty() {
                list.push(value);
            } else if let Some(last) = list
                .last_mut()
                .filter(|l| l.as_object().is_some_and(|o| !o.contains_key(rest[0])))
            {
                // Rails: `a[][id]=1&a[][name]=x` is one hash until a key repeats.
                insert_into(last, rest, value);
            } else {
                let mut child = Value::Null;
                insert_into(&mut child, rest, value);
                list.push(child);
            }
        }
        return;
    }
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    if let Value::Object(obj) = slot {
        let child = obj.entry(first.to_string()).or_insert(Value::Null);
        insert_into(child, rest, value);
    }
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Params {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    /// A string parameter; numbers and booleans are accepted as their text.
    pub fn str(&self, key: &str) -> Option<String> {
        self.get(key).and_then(scalar_string)
    }

    /// Like `str`, but a value of the wrong shape is a 422 rather than ignored.
    pub fn string(&self, key: &str) -> Result<Option<String>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => scalar_string(v)
                .map(Some)
                .ok_or_else(|| ApiError::unprocessable(format!("{key} must be a string"))),
        }
    }

    /// Rails' boolean cast: `false`, `0`, `"0"`, `"f"`, `"false"`, `"off"` (any case) are
    /// false, empty is absent, anything else is true.
    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => Some(n.as_f64() != Some(0.0)),
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(!matches!(
                s.to_ascii_lowercase().as_str(),
                "0" | "f" | "false" | "off" | "no" | "n"
            )),
            _ => Some(true),
        }
    }

    /// A list parameter: `x[]=a&x[]=b`, a JSON array, a single value, or `x[0]=a&x[1]=b`.
    pub fn list(&self, key: &str) -> Vec<String> {
        match self.get(key) {
            None => Vec::new(),
            Some(Value::Array(items)) => items.iter().filter_map(scalar_string).collect(),
            Some(Value::Object(obj)) => obj.values().filter_map(scalar_string).collect(),
            Some(v) => scalar_string(v).into_iter().collect(),
        }
    }

    /// Objects in a list: `fields_attributes[0][name]=…` or a JSON array of objects.
    pub fn objects(&self, key: &str) -> Vec<Map<String, Value>> {
        let items: Vec<&Value> = match self.get(key) {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(Value::Object(obj)) => {
                let mut entries: Vec<(&String, &Value)> = obj.iter().collect();
                // Rails orders hash-style arrays by their index.
                entries.sort_by_key(|(k, _)| k.parse::<usize>().unwrap_or(usize::MAX));
                entries.into_iter().map(|(_, v)| v).collect()
            }
            _ => Vec::new(),
        };
        items
            .into_iter()
            .filter_map(|v| v.as_object().cloned())
            .collect()
    }

    /// An integer parameter; garbage is treated as absent.
    pub fn int(&self, key: &str) -> Option<i64> {
        self.str(key).and_then(|s| s.trim().parse().ok())
    }

    /// A nested object parameter (`source[privacy]=…`).
    pub fn object(&self, key: &str) -> Option<Params> {
        match self.get(key) {
            Some(Value::Object(obj)) => Some(Params(obj.clone())),
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(q: &str) -> Params {
        let mut map = Map::new();
        merge_pairs(&mut map, form_urlencoded::parse(q.as_bytes()).into_owned());
        Params(map)
    }

    #[test]
    fn rails_style_keys() {
        let p = parse("id[]=1&id[]=2&fields_attributes[1][name]=b&fields_attributes[0][name]=a&source[privacy]=private&x=1");
        assert_eq!(p.list("id"), vec!["1", "2"]);
        let f = p.objects("fields_attributes");
        assert_eq!(f[0]["name"], "a");
        assert_eq!(f[1]["name"], "b");
        assert_eq!(
            p.object("source").unwrap().str("privacy").unwrap(),
            "private"
        );
        assert_eq!(p.bool("x"), Some(true));
    }

    #[test]
    fn booleans_like_rails() {
        let p = parse("a=0&b=false&c=true&d=1&e=&f=off");
        assert_eq!(p.bool("a"), Some(false));
        assert_eq!(p.bool("b"), Some(false));
        assert_eq!(p.bool("c"), Some(true));
        assert_eq!(p.bool("d"), Some(true));
        assert_eq!(p.bool("e"), None);
        assert_eq!(p.bool("f"), Some(false));
        assert_eq!(p.bool("missing"), None);
    }
}

//! RFC 9421 HTTP Message Signatures, request side.
//!
//! `Signature-Input: sig1=("@method" "@target-uri" "content-digest");created=…;keyid="…"`
//! `Signature: sig1=:<base64>:`

use super::error::snippet;
use super::request::RequestParts;
use super::sfv::{self, BareItem, InnerList, Item, Member};
use super::{Algorithm, ParsedSignature, Scheme, SignatureError, MAX_COMPONENTS, MAX_HEADER_BYTES};

/// Every `name` line of a header combined as one field value, size-bounded.
fn combined(req: &RequestParts<'_>, name: &'static str) -> Result<String, SignatureError> {
    let mut total = 0;
    for v in req.headers.get_all(name) {
        total += v.len() + 2;
        if total > MAX_HEADER_BYTES {
            return Err(SignatureError::HeaderTooLarge(name));
        }
    }
    req.header(name)?
        .ok_or_else(|| SignatureError::MissingHeader(name.to_owned()))
}

pub(crate) fn algorithm_from_name(name: &str) -> Result<Algorithm, SignatureError> {
    match name {
        "rsa-v1_5-sha256" => Ok(Algorithm::RsaV1_5Sha256),
        "rsa-pss-sha512" => Ok(Algorithm::RsaPssSha512),
        "ed25519" => Ok(Algorithm::Ed25519),
        other => Err(SignatureError::UnsupportedAlgorithm(snippet(other))),
    }
}

/// One covered component: its line in the signature base and its short name for coverage checks.
fn component(req: &RequestParts<'_>, item: &Item) -> Result<(String, String), SignatureError> {
    let BareItem::String(name) = &item.bare else {
        return Err(SignatureError::Malformed(
            "component identifier is not a string".into(),
        ));
    };
    let mut id = String::new();
    sfv::serialize_item(&mut id, item);
    let only_param = |allowed: &[&str]| {
        item.params
            .iter()
            .all(|(k, _)| allowed.contains(&k.as_str()))
            .then_some(())
            .ok_or_else(|| SignatureError::UnsupportedComponent(snippet(&id)))
    };
    let value = match name.as_str() {
        "@method" => {
            only_param(&[])?;
            req.method.as_str().to_owned()
        }
        "@target-uri" => {
            only_param(&[])?;
            req.target_uri()?
        }
        "@authority" => {
            only_param(&[])?;
            req.authority()?
        }
        "@scheme" => {
            only_param(&[])?;
            req.scheme()?
        }
        "@request-target" => {
            only_param(&[])?;
            req.request_target()
        }
        "@path" => {
            only_param(&[])?;
            req.path().to_owned()
        }
        "@query" => {
            only_param(&[])?;
            format!("?{}", req.uri.query().unwrap_or(""))
        }
        "@query-param" => {
            only_param(&["name"])?;
            let Some(BareItem::String(qname)) = sfv::param(&item.params, "name") else {
                return Err(SignatureError::Malformed(
                    "@query-param without name".into(),
                ));
            };
            req.query_param(qname)?
        }
        "@signature-params" => {
            return Err(SignatureError::Malformed(
                "@signature-params covered".into(),
            ));
        }
        n if n.starts_with('@') => return Err(SignatureError::UnsupportedComponent(snippet(&id))),
        n => {
            // `sf`, `key`, `bs`, `req`, `tr` re-encode the value; nobody in the fediverse uses them.
            only_param(&[])?;
            if n.is_empty()
                || n.bytes().any(|b| b.is_ascii_uppercase())
                || http::HeaderName::from_bytes(n.as_bytes()).is_err()
            {
                return Err(SignatureError::Malformed(format!(
                    "component name {}",
                    snippet(n)
                )));
            }
            req.required_header(n)?
        }
    };
    let mut short = name.clone();
    sfv::serialize_params(&mut short, &item.params);
    Ok((format!("{id}: {value}\n"), short))
}

/// Builds the signature base for an inner list of components and its parameters.
/// Returns the base and the short component names.
pub(crate) fn signature_base(
    req: &RequestParts<'_>,
    list: &InnerList,
) -> Result<(String, Vec<String>), SignatureError> {
    if list.items.len() > MAX_COMPONENTS {
        return Err(SignatureError::TooManyComponents);
    }
    let mut base = String::new();
    let mut names: Vec<String> = Vec::with_capacity(list.items.len());
    for (i, item) in list.items.iter().enumerate() {
        if list.items[..i].contains(item) {
            return Err(SignatureError::Malformed("component covered twice".into()));
        }
        let (line, short) = component(req, item)?;
        base.push_str(&line);
        names.push(short);
    }
    base.push_str("\"@signature-params\": ");
    base.push_str(&sfv::serialize_inner_list(list));
    Ok((base, names))
}

fn int_param(list: &InnerList, name: &'static str) -> Result<Option<i64>, SignatureError> {
    match sfv::param(&list.params, name) {
        None => Ok(None),
        Some(BareItem::Integer(i)) => Ok(Some(*i)),
        Some(_) => Err(SignatureError::Malformed(format!("{name} parameter"))),
    }
}

fn parse_label(
    req: &RequestParts<'_>,
    label: &str,
    member: &Member,
    signatures: &sfv::Dictionary,
) -> Result<ParsedSignature, SignatureError> {
    let Member::InnerList(list) = member else {
        return Err(SignatureError::Malformed(
            "Signature-Input member is not a list".into(),
        ));
    };
    let signature = match signatures.iter().find(|(k, _)| k == label) {
        Some((
            _,
            Member::Item(Item {
                bare: BareItem::ByteSeq(b),
                ..
            }),
        )) => b.clone(),
        Some(_) => {
            return Err(SignatureError::Malformed(
                "Signature member is not bytes".into(),
            ))
        }
        None => {
            return Err(SignatureError::MissingHeader(format!(
                "signature for {}",
                snippet(label)
            )))
        }
    };
    let key_id = match sfv::param(&list.params, "keyid") {
        Some(BareItem::String(k)) if !k.is_empty() => k.clone(),
        Some(_) => return Err(SignatureError::Malformed("keyid parameter".into())),
        None => return Err(SignatureError::MissingParameter("keyid")),
    };
    let algorithm = match sfv::param(&list.params, "alg") {
        Some(BareItem::String(a)) => Some(algorithm_from_name(a)?),
        Some(_) => return Err(SignatureError::Malformed("alg parameter".into())),
        None => None,
    };
    let created = int_param(list, "created")?.ok_or(SignatureError::MissingParameter("created"))?;
    let expires = int_param(list, "expires")?;
    let (base, components) = signature_base(req, list)?;
    let digest = if components.iter().any(|c| c == "content-digest") {
        Some(req.required_header("content-digest")?)
    } else {
        None
    };
    Ok(ParsedSignature {
        key_id,
        scheme: Scheme::Rfc9421,
        algorithm,
        label: Some(label.to_owned()),
        components,
        base,
        legacy_base: None,
        signature,
        created: Some(created),
        expires,
        date: None,
        digest,
        body_method: matches!(
            *req.method,
            http::Method::POST | http::Method::PUT | http::Method::PATCH
        ),
    })
}

/// Parses `Signature-Input` and `Signature`; returns the first label that parses completely,
/// else the error of the first label.
pub(crate) fn parse(req: &RequestParts<'_>) -> Result<ParsedSignature, SignatureError> {
    let input = combined(req, "signature-input")?;
    let sigs = combined(req, "signature")?;
    let inputs = sfv::parse_dictionary(&input)
        .map_err(|e| SignatureError::Malformed(format!("Signature-Input header: {e}")))?;
    let signatures = sfv::parse_dictionary(&sigs)
        .map_err(|e| SignatureError::Malformed(format!("Signature header: {e}")))?;
    let mut first_error = None;
    for (label, member) in &inputs {
        match parse_label(req, label, member, &signatures) {
            Ok(parsed) => return Ok(parsed),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| SignatureError::Malformed("empty Signature-Input".into())))
}

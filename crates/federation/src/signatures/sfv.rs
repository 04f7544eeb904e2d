//! The part of RFC 8941 (Structured Field Values) that RFC 9421 and RFC 9530 need: dictionaries
//! whose members are items or inner lists, with parameters, and the serialisation of inner lists
//! (the `@signature-params` line is the re-serialised `Signature-Input` member). Inputs are
//! bounded by the caller; parsing is linear and never panics.

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

/// Byte sequences: standard alphabet, padding optional (RFC 8941 allows lenient parsing).
const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BareItem {
    Integer(i64),
    /// Thousandths: RFC 8941 decimals have at most three fractional digits.
    Decimal(i64),
    String(String),
    Token(String),
    ByteSeq(Vec<u8>),
    Boolean(bool),
}

pub(crate) type Params = Vec<(String, BareItem)>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    pub bare: BareItem,
    pub params: Params,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InnerList {
    pub items: Vec<Item>,
    pub params: Params,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Member {
    Item(Item),
    InnerList(InnerList),
}

pub(crate) type Dictionary = Vec<(String, Member)>;

/// Looks a parameter up by name.
pub(crate) fn param<'a>(params: &'a Params, name: &str) -> Option<&'a BareItem> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

type PResult<T> = Result<T, &'static str>;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn eof(&self) -> bool {
        self.pos >= self.s.len()
    }
    fn skip_sp(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }
    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }
    fn expect(&mut self, c: u8) -> PResult<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err("unexpected character")
        }
    }

    fn dictionary(&mut self) -> PResult<Dictionary> {
        let mut dict: Dictionary = Vec::new();
        while !self.eof() {
            let key = self.key()?;
            let member = if self.peek() == Some(b'=') {
                self.pos += 1;
                self.item_or_inner_list()?
            } else {
                Member::Item(Item {
                    bare: BareItem::Boolean(true),
                    params: self.params()?,
                })
            };
            // A repeated key overwrites the earlier value in place.
            match dict.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = member,
                None => dict.push((key, member)),
            }
            self.skip_ows();
            if self.eof() {
                return Ok(dict);
            }
            self.expect(b',')?;
            self.skip_ows();
            if self.eof() {
                return Err("trailing comma");
            }
        }
        Ok(dict)
    }

    fn item_or_inner_list(&mut self) -> PResult<Member> {
        if self.peek() == Some(b'(') {
            Ok(Member::InnerList(self.inner_list()?))
        } else {
            Ok(Member::Item(self.item()?))
        }
    }

    fn inner_list(&mut self) -> PResult<InnerList> {
        self.expect(b'(')?;
        let mut items = Vec::new();
        loop {
            self.skip_sp();
            match self.peek() {
                Some(b')') => {
                    self.pos += 1;
                    let params = self.params()?;
                    return Ok(InnerList { items, params });
                }
                None => return Err("unterminated inner list"),
                _ => {
                    items.push(self.item()?);
                    if !matches!(self.peek(), Some(b' ' | b')')) {
                        return Err("bad inner list separator");
                    }
                }
            }
        }
    }

    fn item(&mut self) -> PResult<Item> {
        let bare = self.bare_item()?;
        let params = self.params()?;
        Ok(Item { bare, params })
    }

    fn params(&mut self) -> PResult<Params> {
        let mut params: Params = Vec::new();
        while self.peek() == Some(b';') {
            self.pos += 1;
            self.skip_sp();
            let key = self.key()?;
            let value = if self.peek() == Some(b'=') {
                self.pos += 1;
                self.bare_item()?
            } else {
                BareItem::Boolean(true)
            };
            match params.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => params.push((key, value)),
            }
        }
        Ok(params)
    }

    fn key(&mut self) -> PResult<String> {
        let start = self.pos;
        match self.peek() {
            Some(c) if c.is_ascii_lowercase() || c == b'*' => self.pos += 1,
            _ => return Err("bad key"),
        }
        while let Some(c) = self.peek() {
            if c.is_ascii_lowercase()
                || c.is_ascii_digit()
                || matches!(c, b'_' | b'-' | b'.' | b'*')
            {
                self.pos += 1;
            } else {
                break;
            }
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.pos]).into_owned())
    }

    fn bare_item(&mut self) -> PResult<BareItem> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'"') => self.string(),
            Some(b':') => self.byte_seq(),
            Some(b'?') => self.boolean(),
            Some(c) if c.is_ascii_alphabetic() || c == b'*' => self.token(),
            _ => Err("bad item"),
        }
    }

    fn number(&mut self) -> PResult<BareItem> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let start = self.pos;
        let mut dot: Option<usize> = None;
        while let Some(c) = self.peek() {
            if c.is_ascii_digit() {
                self.pos += 1;
            } else if c == b'.' && dot.is_none() {
                dot = Some(self.pos);
                self.pos += 1;
            } else {
                break;
            }
            let len = self.pos - start;
            if dot.is_none() && len > 15 || len > 16 {
                return Err("number too long");
            }
        }
        let digits = &self.s[start..self.pos];
        let to_int = |d: &[u8]| -> PResult<i64> {
            if d.is_empty() {
                return Err("bad number");
            }
            d.iter().try_fold(0i64, |acc, &c| {
                acc.checked_mul(10)
                    .and_then(|a| a.checked_add(i64::from(c - b'0')))
                    .ok_or("number overflow")
            })
        };
        let sign = if negative { -1 } else { 1 };
        match dot {
            None => Ok(BareItem::Integer(sign * to_int(digits)?)),
            Some(d) => {
                let int_part = &self.s[start..d];
                let frac = &self.s[d + 1..self.pos];
                if int_part.len() > 12 || frac.is_empty() || frac.len() > 3 {
                    return Err("bad decimal");
                }
                let mut thousandths = to_int(int_part)? * 1000;
                let mut scale = 100;
                for &c in frac {
                    thousandths += i64::from(c - b'0') * scale;
                    scale /= 10;
                }
                Ok(BareItem::Decimal(sign * thousandths))
            }
        }
    }

    fn string(&mut self) -> PResult<BareItem> {
        self.expect(b'"')?;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err("unterminated string"),
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c @ (b'"' | b'\\')) => {
                            out.push(char::from(c));
                            self.pos += 1;
                        }
                        _ => return Err("bad escape"),
                    }
                }
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(BareItem::String(out));
                }
                Some(c @ 0x20..=0x7e) => {
                    out.push(char::from(c));
                    self.pos += 1;
                }
                Some(_) => return Err("bad string character"),
            }
        }
    }

    fn token(&mut self) -> PResult<BareItem> {
        let start = self.pos;
        self.pos += 1;
        while let Some(c) = self.peek() {
            if is_tchar(c) || c == b':' || c == b'/' {
                self.pos += 1;
            } else {
                break;
            }
        }
        Ok(BareItem::Token(
            String::from_utf8_lossy(&self.s[start..self.pos]).into_owned(),
        ))
    }

    fn byte_seq(&mut self) -> PResult<BareItem> {
        self.expect(b':')?;
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == b':' {
                let bytes = B64
                    .decode(&self.s[start..self.pos])
                    .map_err(|_| "bad base64")?;
                self.pos += 1;
                return Ok(BareItem::ByteSeq(bytes));
            }
            if !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=')) {
                return Err("bad byte sequence character");
            }
            self.pos += 1;
        }
        Err("unterminated byte sequence")
    }

    fn boolean(&mut self) -> PResult<BareItem> {
        self.expect(b'?')?;
        let v = match self.peek() {
            Some(b'1') => true,
            Some(b'0') => false,
            _ => return Err("bad boolean"),
        };
        self.pos += 1;
        Ok(BareItem::Boolean(v))
    }
}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

/// Parses a dictionary field value (leading/trailing spaces allowed, nothing else around it).
pub(crate) fn parse_dictionary(input: &str) -> Result<Dictionary, &'static str> {
    let mut p = Parser {
        s: input.trim_matches(' ').as_bytes(),
        pos: 0,
    };
    p.dictionary()
}

fn serialize_bare(out: &mut String, v: &BareItem) {
    match v {
        BareItem::Integer(i) => out.push_str(&i.to_string()),
        BareItem::Decimal(t) => {
            if *t < 0 {
                out.push('-');
            }
            let a = t.unsigned_abs();
            out.push_str(&(a / 1000).to_string());
            out.push('.');
            let frac = format!("{:03}", a % 1000);
            let trimmed = frac.trim_end_matches('0');
            out.push_str(if trimmed.is_empty() { "0" } else { trimmed });
        }
        BareItem::String(s) => {
            out.push('"');
            for c in s.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        }
        BareItem::Token(t) => out.push_str(t),
        BareItem::ByteSeq(b) => {
            out.push(':');
            out.push_str(&base64::engine::general_purpose::STANDARD.encode(b));
            out.push(':');
        }
        BareItem::Boolean(b) => out.push_str(if *b { "?1" } else { "?0" }),
    }
}

pub(crate) fn serialize_params(out: &mut String, params: &Params) {
    for (k, v) in params {
        out.push(';');
        out.push_str(k);
        if *v != BareItem::Boolean(true) {
            out.push('=');
            serialize_bare(out, v);
        }
    }
}

pub(crate) fn serialize_item(out: &mut String, item: &Item) {
    serialize_bare(out, &item.bare);
    serialize_params(out, &item.params);
}

pub(crate) fn serialize_inner_list(list: &InnerList) -> String {
    let mut out = String::from("(");
    for (i, item) in list.items.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        serialize_item(&mut out, item);
    }
    out.push(')');
    serialize_params(&mut out, &list.params);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inner(dict: &Dictionary, key: &str) -> Option<InnerList> {
        dict.iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, m)| match m {
                Member::InnerList(l) => Some(l.clone()),
                Member::Item(_) => None,
            })
    }

    #[test]
    fn parses_signature_input_with_two_labels() -> Result<(), &'static str> {
        let d = parse_dictionary(
            r#"sig1=("@method" "@target-uri" "content-digest");created=1618884473;keyid="k1";alg="ed25519", sig2=("@query-param";name="Pet" "date");created=1;keyid="a\"b\\c""#,
        )?;
        assert_eq!(d.len(), 2);
        let l1 = inner(&d, "sig1").ok_or("sig1")?;
        assert_eq!(l1.items.len(), 3);
        assert_eq!(
            param(&l1.params, "created"),
            Some(&BareItem::Integer(1618884473))
        );
        assert_eq!(
            param(&l1.params, "keyid"),
            Some(&BareItem::String("k1".into()))
        );
        let l2 = inner(&d, "sig2").ok_or("sig2")?;
        assert_eq!(
            param(&l2.items[0].params, "name"),
            Some(&BareItem::String("Pet".into()))
        );
        assert_eq!(
            serialize_inner_list(&l2),
            r#"("@query-param";name="Pet" "date");created=1;keyid="a\"b\\c""#
        );
        Ok(())
    }

    #[test]
    fn round_trips_items() -> Result<(), &'static str> {
        let src = r#"a=1, b=-2.5, c=tok/en:x, d=:aGVsbG8=:, e=?0, f, g=("x";y;z=1.125)"#;
        let d = parse_dictionary(src)?;
        assert_eq!(d.len(), 7);
        assert_eq!(
            d[1].1,
            Member::Item(Item {
                bare: BareItem::Decimal(-2500),
                params: vec![]
            })
        );
        assert_eq!(
            d[3].1,
            Member::Item(Item {
                bare: BareItem::ByteSeq(b"hello".to_vec()),
                params: vec![]
            })
        );
        assert_eq!(
            d[5].1,
            Member::Item(Item {
                bare: BareItem::Boolean(true),
                params: vec![]
            })
        );
        let g = inner(&d, "g").ok_or("g")?;
        assert_eq!(serialize_inner_list(&g), r#"("x";y;z=1.125)"#);
        let mut s = String::new();
        serialize_bare(&mut s, &BareItem::Decimal(-2500));
        assert_eq!(s, "-2.5");
        Ok(())
    }

    #[test]
    fn later_duplicate_overwrites() -> Result<(), &'static str> {
        let d = parse_dictionary("a=1, b=2, a=3")?;
        assert_eq!(d.len(), 2);
        assert_eq!(
            d[0],
            (
                "a".into(),
                Member::Item(Item {
                    bare: BareItem::Integer(3),
                    params: vec![]
                })
            )
        );
        Ok(())
    }

    #[test]
    fn rejects_malformed_input_without_panicking() {
        for bad in [
            "a=1,",
            "A=1",
            "a=(",
            "a=(\"x\"",
            "a=\"unterminated",
            "a=\"bad\\q\"",
            "a=1234567890123456",
            "a=1.2345",
            "a=1.",
            "a=:not base64!:",
            "a=:abc",
            "a=?2",
            "a=1 b=2",
            "a=(\"x\"\"y\")",
            "a=é",
            "a=--1",
            "1a=2",
            "a=1;",
            "a=\"\u{7f}\"",
            "a=-",
            "a=1234567890123.1",
        ] {
            assert!(parse_dictionary(bad).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn accepts_empty_and_spaces() -> Result<(), &'static str> {
        assert!(parse_dictionary("")?.is_empty());
        assert_eq!(parse_dictionary("  a=1 ,\tb=2  ")?.len(), 2);
        assert_eq!(parse_dictionary("sig=()")?.len(), 1);
        Ok(())
    }
}

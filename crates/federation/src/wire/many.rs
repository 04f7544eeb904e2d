//! `Many<T>`: a JSON-LD property that real servers send as one value, an array, or `null`.

use std::ops::Deref;

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// Zero or more values of a property. Deserialises from a single value, an array or `null`
/// (JSON-LD treats all three alike); serialises as an array. Use [`compact`] for properties that
/// Mastodon writes as a bare value when there is only one (`url`, `object`, `icon`…).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Many<T>(Vec<T>);

impl<T> Many<T> {
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    pub fn one(value: T) -> Self {
        Self(vec![value])
    }

    pub fn push(&mut self, value: T) {
        self.0.push(value);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T> Default for Many<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Deref for Many<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> From<Vec<T>> for Many<T> {
    fn from(values: Vec<T>) -> Self {
        Self(values)
    }
}

impl<T> FromIterator<T> for Many<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl<'a, T> IntoIterator for &'a Many<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T> IntoIterator for Many<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Many<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Null => Ok(Self::new()),
            Value::Array(values) => values
                .into_iter()
                // Some servers pad arrays with nulls; they carry nothing.
                .filter(|v| !v.is_null())
                .map(|v| serde_json::from_value(v).map_err(D::Error::custom))
                .collect(),
            value => serde_json::from_value(value)
                .map(Self::one)
                .map_err(D::Error::custom),
        }
    }
}

impl<T: Serialize> Serialize for Many<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for value in &self.0 {
            seq.serialize_element(value)?;
        }
        seq.end()
    }
}

/// `serialize_with` helper: one value is written bare, several as an array.
pub fn compact<T: Serialize, S: Serializer>(
    many: &Many<T>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match many.0.as_slice() {
        [one] => one.serialize(serializer),
        _ => many.serialize(serializer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_array_and_null_all_parse() {
        let one: Many<String> = serde_json::from_str(r#""a""#).expect("parses");
        let arr: Many<String> = serde_json::from_str(r#"["a", null, "b"]"#).expect("parses");
        let none: Many<String> = serde_json::from_str("null").expect("parses");
        assert_eq!(&*one, ["a"]);
        assert_eq!(&*arr, ["a", "b"]);
        assert!(none.is_empty());
    }
}

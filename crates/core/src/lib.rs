//! Pure domain: ids, timestamps, model types, visibility rules, scopes, text, error kinds.
//! No I/O and no async here.

pub mod error;
pub mod id;
pub mod model;
pub mod scope;
pub mod text;
pub mod timestamp;
pub mod visibility;

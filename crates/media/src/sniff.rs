//! Recognising a file's real type from its first bytes.

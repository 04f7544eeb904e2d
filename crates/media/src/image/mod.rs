//! Still and animated image processing.

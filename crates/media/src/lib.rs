//! Media processing and storage: images decoded under explicit limits, audio/video through
//! ffprobe/ffmpeg child processes with a timeout and an address-space limit, and the
//! `MediaStore` trait with a filesystem store. Knows nothing of the database or HTTP.

mod error;
mod ffmpeg;
mod image;
mod limits;
mod model;
mod processor;
mod sniff;
mod store;

pub use error::MediaError;
pub use limits::Limits;
pub use model::{Dimensions, FileMeta, MediaKind, Processed};
pub use processor::{Processor, ProcessorStats};
pub use store::{media_key, BoxFuture, FsStore, MediaStore, StoreError};

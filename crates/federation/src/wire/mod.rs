//! ActivityPub wire types: what other servers send us and what we send them.
//!
//! Parsing is built for the fediverse as it is, not as the specs read: a property may be one
//! value or an array ([`Many`]); a reference may be an IRI or an embedded node ([`Ref`],
//! [`ObjectRef`], [`ImageRef`], [`Link`]); `type` may be an array or carry an `as:` prefix;
//! unknown properties are ignored and unknown types are kept as `Other`; decorative fields with
//! an odd shape become `None` instead of failing the document. Signatures (`signature`, `proof`)
//! are kept raw. Nothing here knows the database; conversion to the domain lives in `service`.
//!
//! Serialising produces what Mastodon produces for the same thing, with [`Context::mastodon`].
//! Entry point for anything fetched or received: [`Document`].

mod activity;
mod actor;
mod address;
mod attachment;
mod collection;
mod context;
mod datetime;
mod document;
pub(crate) mod kind;
mod lenient;
mod many;
mod object;
mod reference;
mod tag;

pub use activity::{Activity, ActivityKind};
pub use actor::{Actor, ActorKind, Endpoints, Multikey, PublicKey};
pub use address::{is_public, is_public_address, Addressing, PUBLIC};
pub use attachment::{Attachment, Media, PropertyValue};
pub use collection::{Collection, CollectionKind, CollectionRef};
pub use context::{Context, ContextEntry, ACTIVITYSTREAMS, SECURITY_V1};
pub use datetime::{format_datetime, parse_datetime};
pub use document::{Document, ObjectRef};
pub use many::{compact, Many};
pub use object::{Object, ObjectKind, PollOption, Source};
pub use reference::{Image, ImageRef, Link, LinkObject, Ref};
pub use tag::{Emoji, Hashtag, Mention, Tag};

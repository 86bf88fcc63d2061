//! The settings crawl knows, from the very table crawl-core builds its `Settings` from (in
//! `crawl-dsl`, which both crates depend on).

pub(crate) use crawl_dsl::keys::{find, SETTINGS};

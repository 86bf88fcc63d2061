//! The link-time registry of spiders: `#[spider]` submits each one, the CLI finds it by name.

use std::sync::Arc;

use crate::{Spider, SpiderMeta};

/// A registered spider: its description and a constructor.
#[derive(Debug)]
pub struct SpiderEntry {
    /// What the spider's attribute declared.
    pub meta: &'static SpiderMeta,
    /// Builds a fresh spider instance.
    pub create: fn() -> Arc<dyn Spider>,
}

inventory::collect!(SpiderEntry);

/// Every spider linked into this binary, sorted by name.
pub fn spiders() -> Vec<&'static SpiderEntry> {
    let mut all: Vec<&'static SpiderEntry> = inventory::iter::<SpiderEntry>.into_iter().collect();
    all.sort_by_key(|entry| entry.meta.name);
    all
}

/// The spider named `name`, or an error listing the known ones.
pub fn find(name: &str) -> Result<&'static SpiderEntry, crate::Error> {
    let all = spiders();
    all.iter()
        .copied()
        .find(|entry| entry.meta.name == name)
        .ok_or_else(|| {
            let names: Vec<String> = all.iter().map(|e| format!("`{}`", e.meta.name)).collect();
            crate::Error::Usage(format!(
                "no spider named `{name}`; this binary has {}",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            ))
        })
}

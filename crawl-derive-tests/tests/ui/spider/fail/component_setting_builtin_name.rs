use crawl_core::prelude::*;

/// Without a prefix, a field named like a built-in setting would shadow it.
#[derive(Settings)]
pub struct MySettings {
    /// Seconds between two downloads.
    pub download_delay: f64,
}

fn main() {}

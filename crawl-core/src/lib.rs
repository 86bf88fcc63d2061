//! crawl-core

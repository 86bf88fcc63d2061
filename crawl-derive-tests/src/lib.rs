//! Tests of the crawl macros live under `tests/`.

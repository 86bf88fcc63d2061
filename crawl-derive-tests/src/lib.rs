//! Tests of the crawl macros live under `tests/`; this library holds what several test files
//! share: the [`faults`] server that serves hostile responses on 127.0.0.1.

pub mod faults;

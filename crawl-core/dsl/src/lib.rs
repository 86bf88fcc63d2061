//! The tables of crawl's DSL, in one home that both `crawl-core` (which runs them) and
//! `crawl-macros` (which checks a user's code against them while compiling) depend on:
//!
//! - [`crawl_settings_table!`]: every setting, its type, default and doc; crawl-core builds its
//!   `Settings` from it, [`keys::SETTINGS`] lists it for the macros;
//! - [`crawl_signals_table!`]: every signal and its payload; crawl-core builds its `SignalKind`
//!   and `Signal` from it, [`signals::SIGNALS`] lists it for the macros;
//! - [`hooks::HOOKS`]: the middleware hooks' arguments and forms;
//! - [`css`]: the grammar of Scrapy-style CSS queries, so that a literal query is rejected
//!   while compiling with the very message it would get at run time.
//!
//! Each table is a `macro_rules!` callback or plain data: nothing here depends on crawl-core's
//! types, so the crate stays small enough for a proc-macro crate to depend on.

#![deny(missing_docs)]

mod settings;

pub mod css;
pub mod hooks;
pub mod keys;
pub mod signals;

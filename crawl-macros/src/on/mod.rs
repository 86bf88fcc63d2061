//! `#[on(signal)]`: async signal handlers, as free fns or as methods of a `#[spider]` impl.
//! A free fn's attribute may name a renamed crawl-core: `#[on(spider_opened, crate = path)]`.
//!
//! [`parse`] reads the attribute and the fn, [`validate`] checks the handler's signature
//! against its signal's row of crawl-dsl's signal table, [`expand`] writes the handler.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use syn::Type;

use crate::core_path;
use crate::errors::Errors;
use crate::fallback;
pub(crate) use crawl_dsl::signals::{SignalSpec, SIGNALS};
pub(crate) use expand::handler_impl;
pub(crate) use parse::parse_signal;
pub(crate) use validate::check;

/// A checked handler: its signal, arguments taken, and an item type filter.
pub(crate) struct HandlerDef {
    pub(super) signal: &'static SignalSpec,
    /// How many payload fields it takes, in order.
    pub(super) taken: usize,
    pub(super) takes_crawler: bool,
    /// For `item_scraped`: a typed item (`item: &Quote`) that filters other types out.
    pub(super) typed_item: Option<Type>,
}

/// Expands `#[on(signal)]` on a free async fn.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let (args, krate) = parse::split_args(args, &mut errors);
    let _crate = core_path::use_crate(krate);
    let function = match parse::function(item) {
        Ok(function) => function,
        Err(error) => return error.into_compile_error(),
    };
    let def = parse_signal(args, &mut errors)
        .and_then(|signal| check(signal, &function.sig, false, &mut errors));
    fallback::expand_or_fallback(errors, def, function, |def, function| {
        expand::free_fn(&def, &function)
    })
}

//! `#[middleware]`: downloader or spider middleware hooks as annotated async fns. The free
//! form is one hook, named by the fn or by `hook = name`; the impl form holds state and
//! several hooks, each method named after its hook.
//!
//! [`parse`] finds an impl block's hook methods, [`validate`] checks them (or a fn) against
//! crawl-dsl's hook table and builds the model, [`expand`] writes the middleware.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use syn::{ItemFn, ItemImpl, Signature, Type};

use crate::args::{ComponentArgs, MIDDLEWARE_KEYS};
use crate::errors::Errors;
use crate::item::{self, Component};
use crawl_dsl::hooks::{Hook, Kind};

/// The optional arguments a hook takes after its required ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Takes {
    /// `origin: &Origin` (`process_spider_output`).
    pub(crate) origin: bool,
    /// `crawler: &Crawler`, last.
    pub(crate) crawler: bool,
}

/// One hook as written.
pub(crate) struct HookDef {
    pub(crate) hook: &'static Hook,
    pub(crate) sig: Signature,
    /// Which optional arguments it takes.
    pub(crate) takes: Takes,
    /// Whether the body yields (a generator for the stream hooks).
    pub(crate) generator: bool,
    pub(crate) returns_result: bool,
}

/// The model of a middleware.
pub(crate) struct MiddlewareDef {
    pub(crate) name: String,
    pub(crate) order: i32,
    pub(crate) kind: Kind,
    pub(crate) hooks: Vec<HookDef>,
    pub(crate) self_ty: Option<Type>,
}

/// Expands `#[middleware(args)]` on a free fn or an impl block.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    item::expand::<Middleware>(args, item)
}

/// `#[middleware]`'s stages.
struct Middleware;

impl Component for Middleware {
    type Def = MiddlewareDef;
    const KEYS: &'static [&'static str] = MIDDLEWARE_KEYS;
    const EXPECTED: &'static str =
        "`#[middleware]` goes on a hook fn (`async fn process_request(..)`) or an impl block";

    fn validate_fn(
        function: &ItemFn,
        args: &ComponentArgs,
        errors: &mut Errors,
    ) -> Option<MiddlewareDef> {
        validate::free_fn(function, args, errors)
    }

    fn validate_impl(
        block: &ItemImpl,
        args: &ComponentArgs,
        errors: &mut Errors,
    ) -> Option<MiddlewareDef> {
        validate::impl_block(block, &parse::Methods::of(block), args, errors)
    }

    fn expand_fn(def: &MiddlewareDef, function: ItemFn) -> TokenStream {
        expand::free_fn(def, function)
    }

    fn expand_impl(def: &MiddlewareDef, block: ItemImpl) -> TokenStream {
        expand::impl_block(def, block)
    }
}

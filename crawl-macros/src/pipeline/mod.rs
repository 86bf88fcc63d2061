//! `#[pipeline]`: a typed `process_item` as a free async fn, or an impl block with
//! `open_spider`, `process_item` and `close_spider`. Items of other types pass by untouched.
//!
//! [`parse`] reads the item and finds the impl's hook methods, [`validate`] checks their
//! signatures and builds the model, [`expand`] writes the pipeline.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use syn::{ItemFn, ItemImpl, Type};

use crate::args::{ComponentArgs, PIPELINE_KEYS};
use crate::errors::Errors;
use crate::item::{self, Component};
use crate::signature::Shape;

/// How `process_item` takes its item.
pub(crate) enum ItemArg {
    /// By value: it returns `T`, `Option<T>` (None drops) or a `Result` of those.
    Owned(Type),
    /// By `&mut`: it returns `()`, `bool` (false drops) or a `Result` of those.
    Borrowed(Type),
}

/// The model of a pipeline.
pub(crate) struct PipelineDef {
    pub(crate) name: String,
    pub(crate) order: i32,
    pub(crate) item: ItemArg,
    pub(crate) shape: Shape,
    pub(crate) takes_crawler: bool,
    /// The impl form's type; `None` for a free fn.
    pub(crate) self_ty: Option<Type>,
    /// `open_spider` / `close_spider`, if present: whether each takes the crawler.
    pub(crate) has_open: Option<bool>,
    pub(crate) has_close: Option<bool>,
}

/// Expands `#[pipeline(args)]` on a free fn or an impl block.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    item::expand::<Pipeline>(args, item)
}

/// `#[pipeline]`'s stages.
struct Pipeline;

impl Component for Pipeline {
    type Def = PipelineDef;
    const KEYS: &'static [&'static str] = PIPELINE_KEYS;
    const EXPECTED: &'static str =
        "`#[pipeline]` goes on an `async fn process_item(item: T)`-like fn or on an impl block";

    fn validate_fn(
        function: &ItemFn,
        args: &ComponentArgs,
        errors: &mut Errors,
    ) -> Option<PipelineDef> {
        validate::free_fn(function, args, errors)
    }

    fn validate_impl(
        block: &ItemImpl,
        args: &ComponentArgs,
        errors: &mut Errors,
    ) -> Option<PipelineDef> {
        validate::impl_block(block, &parse::Methods::of(block), args, errors)
    }

    fn expand_fn(def: &PipelineDef, function: ItemFn) -> TokenStream {
        expand::free_fn(def, function)
    }

    fn expand_impl(def: &PipelineDef, block: ItemImpl) -> TokenStream {
        expand::impl_block(def, block)
    }
}

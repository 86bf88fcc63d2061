//! The item a component attribute goes on, a free fn or an impl block, and the stages every
//! component macro runs in.

use proc_macro2::TokenStream;
use syn::{ItemFn, ItemImpl};

use crate::args::ComponentArgs;
use crate::errors::Errors;
use crate::fallback::expand_or_fallback;

/// A free fn or an impl block, as written.
pub(crate) enum FnOrImpl {
    Fn(ItemFn),
    Impl(ItemImpl),
}

impl FnOrImpl {
    /// Parses `item`; anything else is an error saying where the attribute goes (`expected`).
    pub(crate) fn parse(item: TokenStream, expected: &str) -> syn::Result<Self> {
        if let Ok(function) = syn::parse2::<ItemFn>(item.clone()) {
            return Ok(FnOrImpl::Fn(function));
        }
        syn::parse2::<ItemImpl>(item.clone())
            .map(FnOrImpl::Impl)
            .map_err(|_| syn::Error::new_spanned(item, expected))
    }
}

/// A component macro (`#[pipeline]`, `#[middleware]`): its keys, where it goes, and its
/// validate and expand stages for each form.
pub(crate) trait Component {
    /// The checked model.
    type Def;
    /// The keys of its `key = value` arguments.
    const KEYS: &'static [&'static str];
    /// The error for an item that is neither a fn nor an impl block.
    const EXPECTED: &'static str;
    /// Checks a free fn and builds the model.
    fn validate_fn(
        function: &ItemFn,
        args: &ComponentArgs,
        errors: &mut Errors,
    ) -> Option<Self::Def>;
    /// Parses and checks an impl block and builds the model.
    fn validate_impl(
        block: &ItemImpl,
        args: &ComponentArgs,
        errors: &mut Errors,
    ) -> Option<Self::Def>;
    /// The fn and its glue.
    fn expand_fn(def: &Self::Def, function: ItemFn) -> TokenStream;
    /// The impl block and its glue.
    fn expand_impl(def: &Self::Def, block: ItemImpl) -> TokenStream;
}

/// Expands component `C`'s attribute: arguments, item, validation, then the expansion or the
/// fallback with every error.
pub(crate) fn expand<C: Component>(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = ComponentArgs::parse(args, C::KEYS, &mut errors);
    let _crate = crate::core_path::use_crate(args.krate.clone());
    match FnOrImpl::parse(item, C::EXPECTED) {
        Err(error) => error.into_compile_error(),
        Ok(FnOrImpl::Fn(function)) => {
            let def = C::validate_fn(&function, &args, &mut errors);
            expand_or_fallback(errors, def, function, |def, function| {
                C::expand_fn(&def, function)
            })
        }
        Ok(FnOrImpl::Impl(block)) => {
            let def = C::validate_impl(&block, &args, &mut errors);
            expand_or_fallback(errors, def, block, |def, block| C::expand_impl(&def, block))
        }
    }
}

//! What is emitted when a macro finds errors: the user's item, so the rest of the crate and
//! the IDE keep working, with generator bodies stubbed (they are not Rust without the macro).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, Block, ImplItem, ItemFn, ItemImpl};

use crate::errors::Errors;
use crate::generator;

/// The impl block as written, generator bodies replaced by `unimplemented!()`.
pub(crate) fn impl_block(item: &ItemImpl) -> TokenStream {
    let mut item = item.clone();
    for impl_item in &mut item.items {
        if let ImplItem::Fn(method) = impl_item {
            // `#[on]` is consumed by `#[spider]`; left in place it would expand on its own.
            method.attrs.retain(|attr| !attr.path().is_ident("on"));
            stub(&mut method.attrs, &mut method.block);
        }
    }
    quote!(#item)
}

/// The fn as written, its body stubbed if it holds `yield_!`.
pub(crate) fn function(item: &ItemFn) -> TokenStream {
    let mut item = item.clone();
    stub(&mut item.attrs, &mut item.block);
    quote!(#item)
}

/// Replaces a generator body by `unimplemented!()`, silencing what that leaves unused.
fn stub(attrs: &mut Vec<Attribute>, block: &mut Block) {
    if generator::mentions_yield(block) {
        *block = syn::parse_quote!({ ::std::unimplemented!() });
        attrs.push(syn::parse_quote!(#[allow(unused_variables, unreachable_code)]));
    }
}

/// An item a macro goes on, which it can give back as written when it finds errors.
pub(crate) trait Fallback {
    /// The item as written, generator bodies stubbed.
    fn fallback(&self) -> TokenStream;
}

impl Fallback for ItemFn {
    fn fallback(&self) -> TokenStream {
        function(self)
    }
}

impl Fallback for ItemImpl {
    fn fallback(&self) -> TokenStream {
        impl_block(self)
    }
}

/// The one choice between a macro's expansion and its fallback: `expand(def, item)` when no
/// error was found, else the user's item with every error, so one mistake makes one error and
/// the rest of the crate still compiles.
pub(crate) fn expand_or_fallback<D, T: Fallback>(
    errors: Errors,
    def: Option<D>,
    item: T,
    expand: impl FnOnce(D, T) -> TokenStream,
) -> TokenStream {
    match (errors.finish(), def) {
        (Ok(()), Some(def)) => expand(def, item),
        (result, _) => {
            let error = result.err().map(syn::Error::into_compile_error);
            let item = item.fallback();
            quote!(#item #error)
        }
    }
}

//! What is emitted when a macro finds errors: the user's item, so the rest of the crate and
//! the IDE keep working, with generator bodies stubbed (they are not Rust without the macro).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{ImplItem, ItemImpl};

use crate::generator;

/// The impl block as written, generator bodies replaced by `unimplemented!()`.
pub(crate) fn impl_block(item: &ItemImpl) -> TokenStream {
    let mut item = item.clone();
    for impl_item in &mut item.items {
        if let ImplItem::Fn(method) = impl_item {
            if generator::mentions_yield(&method.block) {
                method.block = syn::parse_quote!({ ::std::unimplemented!() });
                method
                    .attrs
                    .push(syn::parse_quote!(#[allow(unused_variables, unreachable_code)]));
            }
        }
    }
    quote!(#item)
}

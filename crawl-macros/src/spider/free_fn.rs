//! The short form: `#[spider]` on a free async fn becomes a unit struct named after the fn,
//! whose one callback, `parse`, is the fn. Inside, the fn's own name refers to that callback.

use quote::quote;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Ident, ItemFn, ItemImpl};

use crate::errors::Errors;

/// The struct declaration and the impl block equivalent to `item`.
/// A name in callback position that is not the fn itself is reported in `errors`.
pub(crate) fn to_impl(
    mut item: ItemFn,
    errors: &mut Errors,
) -> (proc_macro2::TokenStream, ItemImpl) {
    crate::callbacks::check_free_fn(&mut item, errors);
    let ItemFn {
        attrs,
        vis,
        sig,
        mut block,
    } = item;
    let name = sig.ident.clone();
    crate::generator::to_yield_exprs(&mut block);
    SelfReference { name: &name }.visit_block_mut(&mut block);
    let mut method_sig = sig.clone();
    method_sig.ident = Ident::new("parse", sig.ident.span());
    method_sig.inputs.insert(0, syn::parse_quote!(&self));
    let declaration = quote! {
        #(#attrs)*
        #[allow(non_camel_case_types)]
        #[derive(Default)]
        #vis struct #name;
    };
    let item_impl: ItemImpl = syn::parse_quote! {
        impl #name {
            #method_sig #block
        }
    };
    (declaration, item_impl)
}

/// Rewrites the fn's own name, used as a value, into `Self::parse`.
struct SelfReference<'a> {
    name: &'a Ident,
}

impl VisitMut for SelfReference<'_> {
    fn visit_expr_mut(&mut self, node: &mut Expr) {
        if let Expr::Path(path) = node {
            if path.qself.is_none() && path.path.is_ident(self.name) {
                let span = self.name.span();
                *node = syn::parse_quote_spanned!(span=> Self::parse);
                return;
            }
        }
        visit_mut::visit_expr_mut(self, node);
    }
}

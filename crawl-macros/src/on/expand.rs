//! The only file that quotes for `#[on]`: the `SignalHandler` impl and its registration.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Ident, ItemFn, Type};

use super::HandlerDef;
use crate::core_path;

/// The `SignalHandler` impl for a handler; `holder` is the handler type, `target` how to
/// call the user's fn given its arguments.
pub(crate) fn handler_impl(
    def: &HandlerDef,
    holder: &Ident,
    function: &Ident,
    self_ty: Option<&Type>,
) -> TokenStream {
    let private = core_path::private();
    let variant = format_ident!("{}", def.signal.variant);
    let fields: Vec<Ident> = def
        .signal
        .fields
        .iter()
        .map(|(field, _)| format_ident!("{field}"))
        .collect();
    let taken: Vec<TokenStream> = fields[..def.taken]
        .iter()
        .map(|f| match (&def.typed_item, f == "item") {
            (Some(_), true) => quote!(#f),
            _ => quote!(*#f),
        })
        .collect();
    let crawler = def.takes_crawler.then(|| quote!(crawler));
    let mut args = taken;
    args.extend(crawler);
    let invoke = match self_ty {
        Some(ty) => quote!(<#ty>::#function(&*self.0, #(#args),*)),
        None => quote!(#function(#(#args),*)),
    };
    let filter = def.typed_item.as_ref().map(|ty| {
        quote! {
            let #private::std::option::Option::Some(item) = item.downcast_ref::<#ty>() else {
                return #private::Hook::ready(#private::std::result::Result::Ok(()));
            };
        }
    });
    let pattern = if fields.is_empty() {
        quote!(#private::Signal::#variant)
    } else {
        quote!(#private::Signal::#variant { #(#fields),* })
    };
    quote! {
        #[automatically_derived]
        impl #private::SignalHandler for #holder {
            fn kind(&self) -> #private::SignalKind {
                #private::SignalKind::#variant
            }

            #[allow(unused_variables)]
            fn handle<'a>(
                &'a self,
                signal: &'a #private::Signal<'a>,
                crawler: &'a #private::Crawler,
            ) -> #private::Hook<'a, #private::std::result::Result<(), #private::BoxError>> {
                match signal {
                    #pattern => {
                        #filter
                        #private::Hook::boxed(async move {
                            #private::HandlerResult::into_handler_result(#invoke.await)
                        })
                    }
                    _ => #private::Hook::ready(#private::std::result::Result::Ok(())),
                }
            }
        }
    }
}

/// A free fn handler: the fn as written, a holder type, its `SignalHandler` impl and its
/// registration.
pub(super) fn free_fn(def: &HandlerDef, function: &ItemFn) -> TokenStream {
    let private = core_path::private();
    let holder = format_ident!("__CrawlHandler");
    let name = function.sig.ident.to_string();
    let handler = handler_impl(def, &holder, &function.sig.ident, None);
    quote! {
        #function
        const _: () = {
            struct #holder;
            #handler
            #private::inventory::submit! {
                #private::SignalHandlerEntry {
                    name: #name,
                    create: || #private::std::sync::Arc::new(#holder),
                }
            }
        };
    }
}

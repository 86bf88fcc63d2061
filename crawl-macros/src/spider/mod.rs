//! `#[spider]`: parse, validate, then expand, or emit the fallback with every error.

mod expand;
mod free_fn;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemImpl;

use crate::args::SpiderArgs;
use crate::errors::Errors;
use crate::fallback;

/// Expands `#[spider(args)] impl ... { ... }`.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let mut free_fn_name = None;
    let (declaration, item) = match syn::parse2::<ItemImpl>(item.clone()) {
        Ok(item) => (TokenStream::new(), item),
        Err(_) => match syn::parse2::<syn::ItemFn>(item.clone()) {
            Ok(function) => {
                free_fn_name = Some(function.sig.ident.clone());
                free_fn::to_impl(function, &mut errors)
            }
            Err(_) => {
                let error = syn::Error::new_spanned(
                    &item,
                    "`#[spider]` goes on an impl block (`impl MySpider { ... }`) or on an `async fn` taking the response",
                );
                return error.into_compile_error();
            }
        },
    };
    let args = SpiderArgs::parse(args, &mut errors);
    let _crate = crate::core_path::use_crate(args.krate.clone());
    let mut spider = parse::SpiderDef::new(item, args, free_fn_name);
    validate::validate(&spider, &mut errors);
    let handlers = expand::rewrite_bodies(&mut spider, &mut errors);
    if let Err(error) = errors.finish() {
        let fallback = fallback::impl_block(&spider.item);
        let error = error.into_compile_error();
        return quote!(#declaration #fallback #error);
    }
    let expanded = expand::expand(&spider, &handlers);
    quote!(#declaration #expanded)
}

//! `#[spider]`: parse, validate, then expand, or emit the fallback with every error.

mod expand;
mod free_fn;
mod methods;
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
    let spider = parse::SpiderDef::new(item, args, free_fn_name);
    let checked = validate::validate(&spider, &mut errors);
    let expanded =
        fallback::expand_or_fallback(errors, Some(checked), spider, |checked, spider| {
            expand::expand(&spider, &checked)
        });
    quote!(#declaration #expanded)
}

/// With errors, the impl as written, its callback references named (so that rustc does not
/// report an unknown one again) and its generator bodies stubbed.
impl fallback::Fallback for parse::SpiderDef {
    fn fallback(&self) -> TokenStream {
        fallback::impl_block(&expand::rewritten(self, false))
    }
}

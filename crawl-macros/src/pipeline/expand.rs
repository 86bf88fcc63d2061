//! The only file that quotes for `#[pipeline]`: an `ItemPipeline` impl and its registration.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Ident, ItemFn, ItemImpl};

use super::{ItemArg, PipelineDef};
use crate::core_path;
use crate::signature::Shape;

/// A pipeline fn and its glue.
pub(super) fn free_fn(def: &PipelineDef, function: ItemFn) -> TokenStream {
    let glue = glue(def, &function.sig.ident);
    quote!(#function #glue)
}

/// A pipeline impl block and its glue.
pub(super) fn impl_block(def: &PipelineDef, block: ItemImpl) -> TokenStream {
    let glue = glue(def, &Ident::new("process_item", Span::call_site()));
    quote!(#block #glue)
}

/// The glue for `def`, whose `process_item` is the fn or method `function`.
fn glue(def: &PipelineDef, function: &Ident) -> TokenStream {
    let private = core_path::private();
    let name = &def.name;
    let order = def.order;
    let crawler = def.takes_crawler.then(|| quote!(, crawler));
    let (holder, create) = match &def.self_ty {
        Some(ty) => (
            quote!(struct __CrawlPipeline(#ty);),
            quote!(__CrawlPipeline(<#ty as #private::DefaultSpider>::create())),
        ),
        None => (
            quote!(
                struct __CrawlPipeline;
            ),
            quote!(__CrawlPipeline),
        ),
    };
    let call = |argument: TokenStream| match &def.self_ty {
        Some(ty) => quote!(<#ty>::#function(&self.0, #argument #crawler)),
        None => quote!(#function(#argument #crawler)),
    };
    let (item_ty, body) = match &def.item {
        ItemArg::Owned(ty) => {
            let value = format_ident!("__crawl_result");
            let invoke = call(quote!(item));
            let convert = owned(&def.shape, &value, name);
            (ty, quote! { let #value = #invoke.await; #convert })
        }
        ItemArg::Borrowed(ty) => {
            let value = format_ident!("__crawl_result");
            let invoke = call(quote!(&mut item));
            let convert = borrowed(&def.shape, &value, name);
            (
                ty,
                quote! { let mut item = item; let #value = #invoke.await; #convert },
            )
        }
    };
    let open = def
        .has_open
        .map(|crawler| lifecycle(def, "open_spider", crawler));
    let close = def
        .has_close
        .map(|crawler| lifecycle(def, "close_spider", crawler));
    quote! {
        const _: () = {
            #[allow(non_camel_case_types)]
            #holder

            #[automatically_derived]
            impl #private::ItemPipeline for __CrawlPipeline {
                #open
                #close

                fn process_item<'a>(
                    &'a self,
                    item: #private::BoxedItem,
                    crawler: &'a #private::Crawler,
                ) -> #private::Hook<'a, #private::std::result::Result<
                    #private::PipelineOutcome,
                    (#private::std::option::Option<#private::BoxedItem>, #private::BoxError),
                >> {
                    let _ = crawler;
                    match item.downcast::<#item_ty>() {
                        #private::std::result::Result::Err(other) => {
                            #private::Hook::ready(#private::std::result::Result::Ok(#private::PipelineOutcome::Keep(other)))
                        }
                        #private::std::result::Result::Ok(item) => #private::Hook::boxed(async move { #body }),
                    }
                }
            }

            #private::inventory::submit! {
                #private::PipelineEntry {
                    name: #name,
                    order: #order,
                    create: |_| #private::std::option::Option::Some(#private::std::sync::Arc::new(#create)),
                }
            }
        };
    }
}

fn lifecycle(def: &PipelineDef, hook: &str, takes_crawler: bool) -> TokenStream {
    let private = core_path::private();
    let crawler = takes_crawler.then(|| quote!(, crawler));
    let hook = Ident::new(hook, proc_macro2::Span::call_site());
    let ty = def.self_ty.as_ref();
    quote! {
        #[allow(unused_variables)]
        fn #hook<'a>(&'a self, crawler: &'a #private::Crawler) -> #private::Hook<'a, #private::std::result::Result<(), #private::BoxError>> {
            #private::Hook::boxed(async move {
                #private::HandlerResult::into_handler_result(<#ty>::#hook(&self.0 #crawler).await)
            })
        }
    }
}

/// Outcome for an item taken by value.
fn owned(shape: &Shape, value: &Ident, name: &str) -> TokenStream {
    let private = core_path::private();
    let ok = |tokens: TokenStream| quote!(#private::std::result::Result::Ok(#tokens));
    match shape {
        Shape::Result(inner) => {
            let inner = owned(inner, &format_ident!("__crawl_ok"), name);
            quote! {
                match #value {
                    #private::std::result::Result::Ok(__crawl_ok) => { #inner }
                    #private::std::result::Result::Err(error) => #private::std::result::Result::Err((
                        #private::std::option::Option::None,
                        #private::BoxError::from(error),
                    )),
                }
            }
        }
        Shape::Option(_) => {
            let keep = ok(quote!(#private::PipelineOutcome::Keep(#private::BoxedItem::new(item))));
            let drop = ok(
                quote!(#private::PipelineOutcome::Drop(#private::std::option::Option::None, #private::dropped_by(#name))),
            );
            quote! {
                match #value {
                    #private::std::option::Option::Some(item) => #keep,
                    #private::std::option::Option::None => #drop,
                }
            }
        }
        _ => ok(quote!(#private::PipelineOutcome::Keep(#private::BoxedItem::new(#value)))),
    }
}

/// Outcome for an item taken by `&mut` (the item is still ours).
fn borrowed(shape: &Shape, value: &Ident, name: &str) -> TokenStream {
    let private = core_path::private();
    let keep = quote!(#private::std::result::Result::Ok(#private::PipelineOutcome::Keep(#private::BoxedItem::new(item))));
    let drop = quote!(#private::std::result::Result::Ok(#private::PipelineOutcome::Drop(
        #private::std::option::Option::Some(#private::BoxedItem::new(item)),
        #private::dropped_by(#name),
    )));
    match shape {
        Shape::Result(inner) => {
            let inner = borrowed(inner, &format_ident!("__crawl_ok"), name);
            quote! {
                match #value {
                    #private::std::result::Result::Ok(__crawl_ok) => { #inner }
                    #private::std::result::Result::Err(error) => #private::std::result::Result::Err((
                        #private::std::option::Option::Some(#private::BoxedItem::new(item)),
                        #private::BoxError::from(error),
                    )),
                }
            }
        }
        Shape::Single => quote!(if #value { #keep } else { #drop }),
        _ => quote! { let () = #value; #keep },
    }
}

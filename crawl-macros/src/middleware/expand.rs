//! The only file that quotes for `#[middleware]`: a middleware trait impl and its registration.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{ImplItem, ItemFn, ItemImpl};

use super::{HookDef, Kind, MiddlewareDef};
use crate::core_path;
use crate::generator;

/// A middleware fn: the fn (a stream fn if it yields) and its glue.
pub(super) fn free_fn(def: &MiddlewareDef, mut function: ItemFn) -> TokenStream {
    if def.hooks.iter().any(|hook| hook.generator) {
        generator::to_yield_exprs(&mut function.block);
        generator::into_stream_fn(&mut function.sig, &mut function.block);
    }
    let glue = glue(def);
    quote!(#function #glue)
}

/// A middleware impl block: the block (its yielding hooks made stream fns) and its glue.
pub(super) fn impl_block(def: &MiddlewareDef, mut block: ItemImpl) -> TokenStream {
    for impl_item in &mut block.items {
        let ImplItem::Fn(method) = impl_item else {
            continue;
        };
        let generator = def
            .hooks
            .iter()
            .any(|hook| hook.generator && hook.sig.ident == method.sig.ident);
        if generator {
            generator::to_yield_exprs(&mut method.block);
            generator::into_stream_fn(&mut method.sig, &mut method.block);
        }
    }
    let glue = glue(def);
    quote!(#block #glue)
}

/// The holder type, the trait impl and the registry entry for `def`.
fn glue(def: &MiddlewareDef) -> TokenStream {
    let private = core_path::private();
    let (holder, create) = match &def.self_ty {
        Some(ty) => (
            quote!(struct __CrawlMiddleware(#private::std::sync::Arc<#ty>);),
            quote!(__CrawlMiddleware(#private::std::sync::Arc::new(<#ty as #private::DefaultSpider>::create()))),
        ),
        None => (
            quote!(
                struct __CrawlMiddleware;
            ),
            quote!(__CrawlMiddleware),
        ),
    };
    let methods = def.hooks.iter().map(|hook| method(def, hook));
    let name = &def.name;
    let order = def.order;
    let (trait_name, entry) = match def.kind {
        Kind::Downloader => (
            quote!(DownloaderMiddleware),
            quote!(DownloaderMiddlewareEntry),
        ),
        Kind::Spider => (quote!(SpiderMiddleware), quote!(SpiderMiddlewareEntry)),
    };
    let hooks_fn = (def.kind == Kind::Downloader).then(|| {
        let has = |name: &str| def.hooks.iter().any(|h| h.hook.name == name);
        let (request, response, exception) = (
            has("process_request"),
            has("process_response"),
            has("process_exception"),
        );
        quote! {
            fn hooks(&self) -> #private::DownloaderHooks {
                #private::DownloaderHooks {
                    request: #request,
                    response: #response,
                    exception: #exception,
                }
            }
        }
    });
    quote! {
        const _: () = {
            #[allow(non_camel_case_types)]
            #holder

            #[automatically_derived]
            impl #private::#trait_name for __CrawlMiddleware {
                #(#methods)*
                #hooks_fn
            }

            #private::inventory::submit! {
                #private::#entry {
                    name: #name,
                    order: #order,
                    create: |_| #private::std::option::Option::Some(#private::std::sync::Arc::new(#create)),
                }
            }
        };
    }
}

/// The call of the user's fn with `args` (and the crawler when it takes one); `this` is
/// the expression of the middleware's state in the impl form.
fn call(def: &MiddlewareDef, hook: &HookDef, args: TokenStream, this: TokenStream) -> TokenStream {
    let function = &hook.sig.ident;
    let crawler = hook.takes.crawler.then(|| quote!(, crawler));
    match &def.self_ty {
        Some(ty) => quote!(<#ty>::#function(#this, #args #crawler)),
        None => quote!(#function(#args #crawler)),
    }
}

/// `Ok(Outcome::from(value))`, or the same through a `Result`.
fn convert(hook: &HookDef, value: TokenStream, outcome: TokenStream) -> TokenStream {
    let private = core_path::private();
    if hook.returns_result {
        quote! {
            match #value {
                #private::std::result::Result::Ok(value) => #private::std::result::Result::Ok(<#outcome>::from(value)),
                #private::std::result::Result::Err(error) => #private::std::result::Result::Err(#private::BoxError::from(error)),
            }
        }
    } else {
        quote!(#private::std::result::Result::Ok(<#outcome>::from(#value)))
    }
}

fn method(def: &MiddlewareDef, hook: &HookDef) -> TokenStream {
    let private = core_path::private();
    let this = quote!(&*self.0);
    let hook_result = |outcome: TokenStream| quote!(#private::Hook<'a, #private::std::result::Result<#outcome, #private::BoxError>>);
    match hook.hook.name {
        "process_request" => {
            let value = call(def, hook, quote!(request), this);
            let body = convert(hook, quote!(#value.await), quote!(#private::RequestOutcome));
            let ret = hook_result(quote!(#private::RequestOutcome));
            quote! {
                fn process_request<'a>(&'a self, request: &'a mut #private::Request, crawler: &'a #private::Crawler) -> #ret {
                    let _ = crawler;
                    #private::Hook::boxed(async move { #body })
                }
            }
        }
        "process_response" => {
            let value = call(def, hook, quote!(response), this);
            let body = convert(
                hook,
                quote!(#value.await),
                quote!(#private::ResponseOutcome),
            );
            let ret = hook_result(quote!(#private::ResponseOutcome));
            quote! {
                fn process_response<'a>(&'a self, response: #private::Response, crawler: &'a #private::Crawler) -> #ret {
                    let _ = crawler;
                    #private::Hook::boxed(async move { #body })
                }
            }
        }
        "process_exception" => {
            let value = call(def, hook, quote!(request, error), this);
            let body = convert(
                hook,
                quote!(#value.await),
                quote!(#private::ExceptionOutcome),
            );
            let ret = hook_result(quote!(#private::ExceptionOutcome));
            quote! {
                fn process_exception<'a>(
                    &'a self,
                    request: &'a #private::Request,
                    error: &'a #private::BoxError,
                    crawler: &'a #private::Crawler,
                ) -> #ret {
                    let _ = crawler;
                    #private::Hook::boxed(async move { #body })
                }
            }
        }
        "process_spider_output" | "process_start" => stream_hook(def, hook),
        "process_spider_input" => {
            let value = call(def, hook, quote!(response), this);
            quote! {
                fn process_spider_input(
                    &self,
                    response: &#private::Response,
                    crawler: &#private::Crawler,
                ) -> #private::std::result::Result<(), #private::BoxError> {
                    let _ = crawler;
                    #private::HandlerResult::into_handler_result(#value)
                }
            }
        }
        _ => {
            let value = call(def, hook, quote!(origin, error), this);
            quote! {
                fn process_spider_exception(
                    &self,
                    origin: &#private::Origin,
                    error: &#private::BoxError,
                    crawler: &#private::Crawler,
                ) -> #private::std::option::Option<#private::OutputStream> {
                    let _ = crawler;
                    #value
                }
            }
        }
    }
}

/// `process_spider_output` / `process_start`: a stream that owns what the user's fn borrows.
fn stream_hook(def: &MiddlewareDef, hook: &HookDef) -> TokenStream {
    let private = core_path::private();
    let output = hook.hook.name == "process_spider_output";
    let origin_arg = (output && hook.takes.origin).then(|| quote!(, &*origin));
    let this = def
        .self_ty
        .as_ref()
        .map(|_| quote!(let __crawl_this = self.0.clone();));
    let value = call(
        def,
        hook,
        quote!(outputs #origin_arg),
        quote!(&*__crawl_this),
    );
    let crawler_ref = quote!(&crawler);
    let value = quote!({ let crawler = #crawler_ref; #value });
    let next = if hook.generator {
        quote!(yield #private::flatten_result(__crawl_next);)
    } else {
        quote!(yield __crawl_next;)
    };
    let produce = if hook.generator {
        quote!(#value)
    } else {
        quote!(#value.await)
    };
    let signature = if output {
        quote!(fn process_spider_output(
            &self,
            origin: #private::std::sync::Arc<#private::Origin>,
            outputs: #private::OutputStream,
            crawler: &#private::Crawler,
        ) -> #private::OutputStream)
    } else {
        quote!(fn process_start(&self, outputs: #private::OutputStream, crawler: &#private::Crawler) -> #private::OutputStream)
    };
    let keep_origin = output.then(|| quote!(let origin = origin;));
    quote! {
        #signature {
            #this
            let crawler = crawler.clone();
            #private::std::boxed::Box::pin(#private::async_stream::stream! {
                #keep_origin
                let crawler = crawler;
                let __crawl_inner = #produce;
                let mut __crawl_inner = #private::std::pin::pin!(__crawl_inner);
                while let #private::std::option::Option::Some(__crawl_next) =
                    #private::futures::StreamExt::next(&mut __crawl_inner).await
                {
                    #next
                }
            })
        }
    }
}

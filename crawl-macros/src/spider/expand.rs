//! The only file that quotes for `#[spider]`: the rewritten impl, `impl Spider`, and the registration.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ImplItem, ItemImpl, LitStr};

use super::parse::{Body, CallbackDef, SpiderDef};
use super::validate::CheckedSpider;
use crate::signature::Shape;
use crate::{callbacks, core_path, generator, selectors};

/// The impl block with every method body rewritten: literal selectors compiled, callback
/// references named, `#[on]` attributes consumed, and, with `streams`, generator bodies
/// turned into streams (the fallback keeps them, to be stubbed).
pub(crate) fn rewritten(spider: &SpiderDef, streams: bool) -> ItemImpl {
    let known = spider.known();
    let generators = spider.generators();
    let mut item = spider.item.clone();
    for (index, impl_item) in item.items.iter_mut().enumerate() {
        let ImplItem::Fn(method) = impl_item else {
            continue;
        };
        method.attrs.retain(|attr| !attr.path().is_ident("on"));
        if generators.contains(&index) {
            generator::to_yield_exprs(&mut method.block);
        }
        selectors::compile(&mut method.block);
        callbacks::name(&mut method.block, &known);
        if streams && generators.contains(&index) {
            generator::into_stream_fn(&mut method.sig, &mut method.block);
        }
    }
    item
}

/// The handler types (`struct` and `impl SignalHandler`) of the checked `#[on(signal)]`
/// methods, with their names.
fn signal_handlers(spider: &SpiderDef, checked: &CheckedSpider) -> Vec<(Ident, TokenStream)> {
    let private = core_path::private();
    let self_ty = &*spider.item.self_ty;
    let mut out = Vec::new();
    for (index, def) in &checked.handlers {
        let name = &spider.method(*index).sig.ident;
        let holder = quote::format_ident!("__CrawlHandler_{}", name);
        let handler = crate::on::handler_impl(def, &holder, name, Some(self_ty));
        let tokens = quote! {
            #[allow(non_camel_case_types)]
            struct #holder(#private::std::sync::Arc<#self_ty>);
            #handler
        };
        out.push((holder, tokens));
    }
    out
}

/// The impl block, `impl Spider`, and the registration.
pub(crate) fn expand(spider: &SpiderDef, checked: &CheckedSpider) -> TokenStream {
    let private = core_path::private();
    let handlers = signal_handlers(spider, checked);
    let item = &rewritten(spider, true);
    let self_ty = &item.self_ty;
    let args = &spider.args;
    let name = args.name.as_ref().map(LitStr::value).unwrap_or_default();
    let strs = |list: &Option<crate::args::StrList>| -> Vec<LitStr> {
        list.as_ref().map(|l| l.items.clone()).unwrap_or_default()
    };
    let start_urls = strs(&args.start_urls);
    let allowed_domains = strs(&args.allowed_domains);
    let arg_names = strs(&args.args);
    let callback_names: Vec<String> = spider
        .callbacks
        .iter()
        .map(|cb| cb.name.to_string())
        .collect();
    let settings = settings_fn(spider);
    let arms = spider.callbacks.iter().map(|cb| {
        let text = cb.name.to_string();
        let stream = call_stream(spider, cb, Kind::Callback);
        quote!(#text => #stream,)
    });
    let errback = (!spider.errbacks.is_empty()).then(|| {
        let arms = spider.errbacks.iter().map(|eb| {
            let text = eb.name.to_string();
            let stream = call_stream(spider, eb, Kind::Errback);
            quote!(#text => #stream,)
        });
        quote! {
            fn errback(
                self: #private::std::sync::Arc<Self>,
                errback: &#private::Callback,
                request: #private::Request,
                error: #private::BoxError,
                crawler: #private::Crawler,
            ) -> #private::OutputStream {
                match errback.name() {
                    #(#arms)*
                    _ => #private::unknown_errback(#name, errback),
                }
            }
        }
    });
    let start_requests = spider.start_requests.as_ref().map(|start| {
        let stream = call_stream(spider, start, Kind::Start);
        quote! {
            fn start_requests(
                self: #private::std::sync::Arc<Self>,
                crawler: #private::Crawler,
            ) -> #private::OutputStream {
                #stream
            }
        }
    });
    let (handler_names, handlers): (Vec<_>, Vec<_>) = handlers.iter().cloned().unzip();
    let signal_handlers = (!handlers.is_empty()).then(|| {
        quote! {
            fn signal_handlers(
                self: #private::std::sync::Arc<Self>,
            ) -> #private::std::vec::Vec<#private::std::sync::Arc<dyn #private::SignalHandler>> {
                #private::std::vec![#(#private::std::sync::Arc::new(#handler_names(self.clone()))),*]
            }
        }
    });
    let create = quote_spanned! {self_ty.span()=>
        #private::std::sync::Arc::new(<#self_ty as #private::DefaultSpider>::create())
    };
    quote! {
        #item

        const _: () = {
            #(#handlers)*

            fn __crawl_settings(
                settings: &mut #private::Settings,
            ) -> #private::std::result::Result<(), #private::Error> {
                #settings
            }

            static __CRAWL_META: #private::SpiderMeta = #private::SpiderMeta {
                name: #name,
                start_urls: &[#(#start_urls),*],
                allowed_domains: &[#(#allowed_domains),*],
                args: &[#(#arg_names),*],
                callbacks: &[#(#callback_names),*],
                settings: __crawl_settings,
            };

            #[automatically_derived]
            impl #private::Spider for #self_ty {
                fn meta(&self) -> &'static #private::SpiderMeta {
                    &__CRAWL_META
                }

                #start_requests
                #signal_handlers
                #errback

                fn call(
                    self: #private::std::sync::Arc<Self>,
                    callback: &#private::Callback,
                    response: #private::Response,
                    crawler: #private::Crawler,
                ) -> #private::OutputStream {
                    match callback.name() {
                        #(#arms)*
                        _ => #private::unknown_callback(#name, callback),
                    }
                }
            }

            fn __crawl_create() -> #private::std::sync::Arc<dyn #private::Spider> {
                #create
            }

            #private::inventory::submit! {
                #private::SpiderEntry { meta: &__CRAWL_META, create: __crawl_create }
            }
        };
    }
}

/// What the engine calls a method for.
#[derive(Clone, Copy)]
enum Kind {
    /// With a response (and its request's typed argument, if the callback takes one).
    Callback,
    /// With the failed request and the error.
    Errback,
    /// With nothing but the crawler.
    Start,
}

/// The boxed stream that owns the spider and the crawler and drives one method.
fn call_stream(spider: &SpiderDef, def: &CallbackDef, kind: Kind) -> TokenStream {
    let private = core_path::private();
    let method = &def.name;
    let given = match kind {
        Kind::Callback => vec![quote!(response), quote!(__crawl_args)],
        Kind::Errback => vec![quote!(request), quote!(error)],
        Kind::Start => Vec::new(),
    };
    // The arguments in the order the method declares them.
    let mut given = given.into_iter();
    let arguments: Vec<TokenStream> = crate::signature::typed_args(&spider.method(def.index).sig)
        .iter()
        .filter_map(|arg| {
            if crate::signature::is_ref_to(&arg.ty, "Crawler") {
                Some(quote!(&__crawl_crawler))
            } else {
                given.next()
            }
        })
        .collect();
    // The typed argument, read back from the request before the callback runs.
    let args = def.args_ty.as_ref().map(|ty| {
        let read = quote_spanned!(ty.span()=> #private::callback_args::<#ty>(&response));
        quote! {
            let __crawl_args: #ty = match #read {
                #private::std::result::Result::Ok(args) => args,
                #private::std::result::Result::Err(error) => {
                    yield #private::into_error(error);
                    return;
                }
            };
        }
    });
    let self_ty = &spider.item.self_ty;
    // A path call, so a callback named like a `Spider` method (`start_requests`) is the user's.
    let invoke = quote!(<#self_ty>::#method(&*__crawl_spider, #(#arguments),*));
    let body = match &def.body {
        Body::Generator => quote! {
            let __crawl_outputs = #invoke;
            let mut __crawl_outputs = #private::std::pin::pin!(__crawl_outputs);
            while let #private::std::option::Option::Some(__crawl_next) =
                #private::futures::StreamExt::next(&mut __crawl_outputs).await
            {
                yield #private::flatten_result(__crawl_next);
            }
        },
        Body::Returns(shape) => {
            let ret_span = match &spider.method(def.index).sig.output {
                syn::ReturnType::Type(_, ty) => ty.span(),
                syn::ReturnType::Default => def.name.span(),
            };
            let value = format_ident!("__crawl_value");
            let convert = convert(shape, &value, 0, ret_span);
            quote! {
                let #value = #invoke.await;
                #convert
            }
        }
    };
    quote! {
        #private::std::boxed::Box::pin(#private::async_stream::stream! {
            let __crawl_spider = self;
            let __crawl_crawler = crawler;
            #args
            #body
        })
    }
}

/// Statements yielding the outputs of `value`, whose type has `shape`.
fn convert(
    shape: &Shape,
    value: &syn::Ident,
    depth: usize,
    span: proc_macro2::Span,
) -> TokenStream {
    let private = core_path::private();
    let inner = format_ident!("__crawl_value{}", depth + 1);
    match shape {
        // A stream that never yields still needs its item type.
        Shape::Unit => quote! {
            let _ = #value;
            if false {
                yield #private::Output::Error(#private::BoxError::msg("unreachable"));
            }
        },
        Shape::Single => quote_spanned! {span=>
            #[allow(unused_imports)]
            use #private::{ViaItem as _, ViaOutput as _};
            let __crawl_output = (&&&#private::Yielded::new(#value)).__crawl_output();
            yield __crawl_output;
        },
        Shape::Result(ok) => {
            let ok = convert(ok, &inner, depth + 1, span);
            quote! {
                match #value {
                    #private::std::result::Result::Ok(#inner) => { #ok }
                    #private::std::result::Result::Err(__crawl_error) => {
                        yield #private::into_error(__crawl_error);
                    }
                }
            }
        }
        Shape::Option(some) => {
            let some = convert(some, &inner, depth + 1, span);
            quote!(if let #private::std::option::Option::Some(#inner) = #value { #some })
        }
        Shape::Vec(each) => {
            let each = convert(each, &inner, depth + 1, span);
            quote!(for #inner in #value { #each })
        }
        Shape::Stream(each) => {
            let each = convert(each, &inner, depth + 1, span);
            quote! {
                let mut __crawl_stream = #private::std::pin::pin!(#value);
                while let #private::std::option::Option::Some(#inner) =
                    #private::futures::StreamExt::next(&mut __crawl_stream).await
                {
                    #each
                }
            }
        }
    }
}

/// Assignments applying the attribute's `settings(...)`, checked by type while compiling.
fn settings_fn(spider: &SpiderDef) -> TokenStream {
    let private = core_path::private();
    let Some((_, settings)) = &spider.args.settings else {
        return quote!(let _ = settings; #private::std::result::Result::Ok(()));
    };
    let assignments = settings.iter().map(|setting| {
        let key = &setting.key;
        // `settings` keeps the call-site span (hygiene); the value keeps the user's.
        let target = quote!(settings);
        if let Some(ty) = &setting.component {
            return component_setting(ty, setting);
        }
        match crawl_dsl::keys::find(&key.to_string()) {
            Some(known) if known.is_json_map() => {
                let (name, value) = (known.name, &setting.value);
                quote_spanned!(setting.value.span()=> #target.set(#name, #value)?;)
            }
            known => {
                let value = setting_value(&setting.value, known.is_some_and(|k| k.ty == "f64"));
                quote_spanned!(setting.value.span()=> #target.#key = #value;)
            }
        }
    });
    quote!(#(#assignments)* #private::std::result::Result::Ok(()))
}

/// `Type::field = value`: the value assigned to the field of a default `Type` (so rustc checks
/// that the field exists, at the key, and the value's type, at the value), then set by name.
fn component_setting(ty: &syn::Path, setting: &crate::args::SettingArg) -> TokenStream {
    let private = core_path::private();
    let field = &setting.key;
    let name = field.to_string();
    let value = setting_value(&setting.value, false);
    let span = setting.value.span();
    let assign = quote_spanned!(span=> __crawl_component.#field = #value;);
    quote! {
        {
            let mut __crawl_component = <#ty as #private::std::default::Default>::default();
            #assign
            #private::set_component_field::<#ty, _>(settings, #name, &__crawl_component.#field);
        }
    }
}

/// A literal as the setting's Rust value: strings owned, arrays as vectors, integers as floats
/// where the setting is a number.
fn setting_value(value: &syn::Expr, float: bool) -> TokenStream {
    let private = core_path::private();
    match value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) if float => {
            let float = syn::LitFloat::new(&format!("{}.0", int.base10_digits()), int.span());
            quote!(#float)
        }
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => {
            // Spanned at the literal, so that a wrong type is reported there.
            quote_spanned!(text.span()=> #text.to_owned())
        }
        syn::Expr::Array(array) => {
            let elems = array.elems.iter().map(|e| setting_value(e, false));
            quote!(#private::std::vec![#(#elems),*])
        }
        other => quote!(#other),
    }
}

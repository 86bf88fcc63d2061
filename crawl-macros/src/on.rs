//! `#[on(signal)]`: async signal handlers, as free fns or as methods of a `#[spider]` impl.
//! A free fn's attribute may name a renamed crawl-core: `#[on(spider_opened, crate = path)]`.

use proc_macro2::{TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::{Ident, ItemFn, Path, Signature, Type};

use crate::core_path;
use crate::errors::{did_you_mean, list, Errors};
use crate::signature;

pub(crate) use crawl_dsl::signals::{SignalSpec, SIGNALS};

/// A checked handler: its signal, arguments taken, and an item type filter.
pub(crate) struct HandlerDef {
    signal: &'static SignalSpec,
    /// How many payload fields it takes, in order.
    taken: usize,
    takes_crawler: bool,
    /// For `item_scraped`: a typed item (`item: &Quote`) that filters other types out.
    typed_item: Option<Type>,
}

/// The signal named by `#[on(NAME)]`'s tokens (after [`split_args`] for a free fn; as
/// written for a method of a `#[spider]` impl, whose `crate = path` is the spider's).
pub(crate) fn parse_signal(
    tokens: TokenStream,
    errors: &mut Errors,
) -> Option<&'static SignalSpec> {
    let ident: Ident = match syn::parse2(tokens.clone()) {
        Ok(ident) => ident,
        Err(_)
            if tokens
                .clone()
                .into_iter()
                .any(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) =>
        {
            errors.push(
                tokens,
                "a handler of a `#[spider]` impl takes only its signal, `#[on(spider_opened)]`; `crate = ...` goes on the `#[spider(...)]`",
            );
            return None;
        }
        Err(_) => {
            errors.push(
                tokens,
                format!(
                    "expected a signal name, one of {}",
                    list(SIGNALS.iter().map(|s| s.name))
                ),
            );
            return None;
        }
    };
    let name = ident.to_string();
    let found = SIGNALS.iter().find(|s| s.name == name);
    if found.is_none() {
        errors.push(
            &ident,
            format!(
                "unknown signal `{name}`: expected one of {}{}",
                list(SIGNALS.iter().map(|s| s.name)),
                did_you_mean(&name, SIGNALS.iter().map(|s| s.name))
            ),
        );
    }
    found
}

fn matches(ty: &Type, expected: &str) -> bool {
    match expected {
        "&str" => {
            matches!(ty, Type::Reference(r) if r.mutability.is_none() && matches!(&*r.elem, Type::Path(p) if p.path.is_ident("str")))
        }
        "Option<&BoxedItem>" => {
            matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
        }
        other => signature::is_ref_to(ty, other.trim_start_matches('&')),
    }
}

/// Checks a handler's signature (`method`: `&self` first) against its signal.
pub(crate) fn check(
    signal: &'static SignalSpec,
    sig: &Signature,
    method: bool,
    errors: &mut Errors,
) -> Option<HandlerDef> {
    let fields: Vec<(&str, String)> = signal.payload().collect();
    let payload: Vec<String> = fields
        .iter()
        .map(|(field, ty)| format!("{field}: {ty}"))
        .collect();
    let mut expected_args = payload.clone();
    expected_args.push("crawler: &Crawler".to_owned());
    let receiver = if method { "&self, " } else { "" };
    let takes = if payload.is_empty() {
        "`crawler: &Crawler` or nothing".to_owned()
    } else {
        format!(
            "{} in this order, each optional from the end",
            list(expected_args.iter().map(String::as_str))
        )
    };
    let form = format!(
        "expected `async fn {}({receiver}{})`: `{}` handlers take {takes}",
        sig.ident,
        expected_args.join(", "),
        signal.name,
    );
    let before = errors.len();
    if sig.asyncness.is_none() {
        errors.push(
            sig.fn_token,
            format!(
                "signal handler `{}` must be an `async fn`; {form}",
                sig.ident
            ),
        );
    }
    if method && !signature::has_ref_self(sig) {
        errors.push(
            &sig.ident,
            format!("signal handler `{}` takes `&self` first; {form}", sig.ident),
        );
    }
    let args = signature::typed_args(sig);
    let mut taken = 0;
    let mut takes_crawler = false;
    let mut typed_item = None;
    for arg in &args {
        if takes_crawler {
            errors.push(
                &arg.ty,
                format!("nothing may follow `crawler: &Crawler`; {form}"),
            );
        } else if signature::is_ref_to(&arg.ty, "Crawler") {
            takes_crawler = true;
        } else if let Some((field, ty)) = fields.get(taken) {
            if matches(&arg.ty, ty) {
                taken += 1;
            } else if *field == "item" && signal.name == "item_scraped" {
                match &*arg.ty {
                    Type::Reference(reference) if reference.mutability.is_none() => {
                        typed_item = Some((*reference.elem).clone());
                        taken += 1;
                    }
                    other => errors.push(
                        other,
                        format!("expected `item: &BoxedItem` or a typed `item: &T`; {form}"),
                    ),
                }
            } else {
                errors.push(&arg.ty, format!("expected `{field}: {ty}` here; {form}"));
            }
        } else {
            errors.push(&arg.ty, format!("unexpected argument; {form}"));
        }
    }
    (errors.len() == before).then_some(HandlerDef {
        signal,
        taken,
        takes_crawler,
        typed_item,
    })
}

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

/// `signal` or `signal, crate = path`: the signal's tokens, and the path if given.
fn split_args(args: TokenStream, errors: &mut Errors) -> (TokenStream, Option<Path>) {
    let mut tokens = args.into_iter();
    let signal: TokenStream = tokens
        .by_ref()
        .take_while(|token| !matches!(token, TokenTree::Punct(p) if p.as_char() == ','))
        .collect();
    let mut krate = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("crate") && krate.is_none() {
            krate = Some(crate::args::parse_crate_path(&meta)?);
            Ok(())
        } else {
            Err(meta.error("expected `crate = path` (once) after the signal"))
        }
    });
    if let Err(error) = syn::parse::Parser::parse2(parser, tokens.collect()) {
        errors.push_error(error);
    }
    (signal, krate)
}

/// Expands `#[on(signal)]` on a free async fn.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let (args, krate) = split_args(args, &mut errors);
    let _crate = core_path::use_crate(krate);
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            return syn::Error::new_spanned(
                item,
                "`#[on(signal)]` goes on an async fn (or a method of a `#[spider]` impl)",
            )
            .into_compile_error()
        }
    };
    let def = parse_signal(args, &mut errors)
        .and_then(|signal| check(signal, &function.sig, false, &mut errors));
    match (errors.finish(), def) {
        (Ok(()), Some(def)) => {
            let private = core_path::private();
            let holder = format_ident!("__CrawlHandler");
            let name = function.sig.ident.to_string();
            let handler = handler_impl(&def, &holder, &function.sig.ident, None);
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
        (result, _) => {
            let error = result.err().map(syn::Error::into_compile_error);
            let function = crate::fallback::function(&function);
            quote!(#function #error)
        }
    }
}

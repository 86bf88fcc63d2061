//! `#[middleware]`: downloader or spider middleware hooks as annotated async fns. The free
//! form is one hook, named by the fn or by `hook = name`; the impl form holds state and
//! several hooks, each method named after its hook.

mod expand;
mod hooks;

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Ident, ImplItem, ItemFn, ItemImpl, Signature, Type};

use crate::args::{ComponentArgs, MIDDLEWARE_KEYS};
use crate::errors::{did_you_mean, list, Errors};
use crate::generator;
pub(crate) use hooks::{Hook, Kind, HOOKS};

/// One hook as written.
pub(crate) struct HookDef {
    pub(crate) hook: &'static Hook,
    pub(crate) sig: Signature,
    /// Which optional arguments it takes, `(origin, crawler)`.
    pub(crate) takes: (bool, bool),
    /// Whether the body yields (a generator for the stream hooks).
    pub(crate) generator: bool,
    pub(crate) returns_result: bool,
}

/// The model of a middleware.
pub(crate) struct MiddlewareDef {
    pub(crate) name: String,
    pub(crate) order: i32,
    pub(crate) kind: Kind,
    pub(crate) hooks: Vec<HookDef>,
    pub(crate) self_ty: Option<Type>,
}

/// Expands `#[middleware(args)]` on a free fn or an impl block.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = ComponentArgs::parse(args, MIDDLEWARE_KEYS, &mut errors);
    let _crate = crate::core_path::use_crate(args.krate.clone());
    if let Ok(mut function) = syn::parse2::<ItemFn>(item.clone()) {
        let hook = free_fn_hook(&function.sig, args.hook.as_ref(), &mut errors).and_then(|hook| {
            hooks::check(hook, &function.sig, &function.block, false, &mut errors)
        });
        if let (true, Some(hook)) = (errors.is_empty(), hook) {
            if hook.generator {
                generator::to_yield_exprs(&mut function.block);
                generator::into_stream_fn(&mut function.sig, &mut function.block);
            }
            let def = MiddlewareDef {
                name: args
                    .name
                    .as_ref()
                    .map_or_else(|| function.sig.ident.to_string(), |n| n.value()),
                order: args.order_or(500),
                kind: hook.hook.kind,
                hooks: vec![hook],
                self_ty: None,
            };
            let glue = expand::expand(&def);
            return quote!(#function #glue);
        }
        let error = errors.finish().err().map(syn::Error::into_compile_error);
        let function = crate::fallback::function(&function);
        return quote!(#function #error);
    }
    let Ok(mut block) = syn::parse2::<ItemImpl>(item.clone()) else {
        return syn::Error::new_spanned(
            item,
            "`#[middleware]` goes on a hook fn (`async fn process_request(..)`) or an impl block",
        )
        .into_compile_error();
    };
    if let Some(hook) = &args.hook {
        errors.push(
            hook,
            "`hook = ...` names the hook of a middleware fn; in an impl block each method is named after its hook",
        );
    }
    let mut hooks = Vec::new();
    for impl_item in &mut block.items {
        let ImplItem::Fn(method) = impl_item else {
            continue;
        };
        let name = method.sig.ident.to_string();
        if let Some(hook) = HOOKS.iter().find(|h| h.name == name) {
            if let Some(hook) = hooks::check(hook, &method.sig, &method.block, true, &mut errors) {
                if hook.generator && errors.is_empty() {
                    generator::to_yield_exprs(&mut method.block);
                    generator::into_stream_fn(&mut method.sig, &mut method.block);
                }
                hooks.push(hook);
            }
        } else if method.sig.asyncness.is_some() {
            errors.push(
                &method.sig.ident,
                format!(
                    "unknown middleware hook `{name}`: every `async fn` of a `#[middleware]` impl is a hook, one of {}{}",
                    list(HOOKS.iter().map(|h| h.name)),
                    did_you_mean(&name, HOOKS.iter().map(|h| h.name))
                ),
            );
        }
    }
    if hooks.is_empty() && errors.is_empty() {
        errors.push(
            &block.self_ty,
            format!(
                "a middleware needs at least one hook: {}",
                list(HOOKS.iter().map(|h| h.name))
            ),
        );
    }
    let kind = hooks.first().map(|h| h.hook.kind);
    for hook in &hooks {
        if Some(hook.hook.kind) != kind {
            errors.push(
                &hook.sig.ident,
                "a middleware is either a downloader middleware or a spider middleware: put these hooks in two impl blocks",
            );
        }
    }
    let type_name = match &*block.self_ty {
        Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    };
    match (errors.finish(), kind) {
        (Ok(()), Some(kind)) => {
            let def = MiddlewareDef {
                name: args
                    .name
                    .as_ref()
                    .map(|n| n.value())
                    .or(type_name)
                    .unwrap_or_default(),
                order: args.order_or(500),
                kind,
                hooks,
                self_ty: Some((*block.self_ty).clone()),
            };
            let glue = expand::expand(&def);
            quote!(#block #glue)
        }
        (result, _) => {
            let error = result.err().map(syn::Error::into_compile_error);
            let fallback = crate::fallback::impl_block(&block);
            quote!(#fallback #error)
        }
    }
}

/// The hook a middleware fn implements: the one `hook = name` names, else the fn's name.
fn free_fn_hook(
    sig: &Signature,
    named: Option<&Ident>,
    errors: &mut Errors,
) -> Option<&'static Hook> {
    let hook_names = || HOOKS.iter().map(|h| h.name);
    let (ident, how) = match named {
        Some(ident) => (ident, "`hook = ...` names one of".to_owned()),
        None => (
            &sig.ident,
            format!(
                "a `#[middleware]` fn is named after its hook, or names it with `#[middleware(hook = {})]`; the hooks are",
                hook_names().next().unwrap_or_default()
            ),
        ),
    };
    let name = ident.to_string();
    let found = HOOKS.iter().find(|h| h.name == name);
    if found.is_none() {
        errors.push(
            ident,
            format!(
                "unknown middleware hook `{name}`: {how} {}{}",
                list(hook_names()),
                did_you_mean(&name, hook_names())
            ),
        );
    }
    found
}

//! The rules of a middleware: a fn implements one known hook (its name or `hook = ...`), an
//! impl block's async methods are all hooks of one kind, and each hook's signature matches
//! its row of crawl-dsl's hook table.

use syn::{Ident, ItemFn, ItemImpl, Signature, Type};

use super::parse::Methods;
use super::{HookDef, MiddlewareDef, Takes};
use crate::args::ComponentArgs;
use crate::errors::{did_you_mean, list, Errors};
use crate::signature;
use crawl_dsl::hooks::{Hook, HOOKS};

/// Checks a middleware fn: its hook and signature.
pub(super) fn free_fn(
    function: &ItemFn,
    args: &ComponentArgs,
    errors: &mut Errors,
) -> Option<MiddlewareDef> {
    let hook = free_fn_hook(&function.sig, args.hook.as_ref(), errors)
        .and_then(|hook| check(hook, &function.sig, &function.block, false, errors))?;
    Some(MiddlewareDef {
        name: args
            .name
            .as_ref()
            .map_or_else(|| function.sig.ident.to_string(), |n| n.value()),
        order: args.order_or(500),
        kind: hook.hook.kind,
        hooks: vec![hook],
        self_ty: None,
    })
}

/// Checks a middleware impl block: every async method a hook, all of one kind, at least one.
pub(super) fn impl_block(
    block: &ItemImpl,
    methods: &Methods<'_>,
    args: &ComponentArgs,
    errors: &mut Errors,
) -> Option<MiddlewareDef> {
    if let Some(hook) = &args.hook {
        errors.push(
            hook,
            "`hook = ...` names the hook of a middleware fn; in an impl block each method is named after its hook",
        );
    }
    let mut hooks = Vec::new();
    for (hook, method) in &methods.0 {
        match hook {
            Some(hook) => hooks.extend(check(hook, &method.sig, &method.block, true, errors)),
            None => {
                let name = method.sig.ident.to_string();
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
    let kind = hooks.first().map(|h| h.hook.kind)?;
    for hook in &hooks {
        if hook.hook.kind != kind {
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
    Some(MiddlewareDef {
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
    })
}

fn matches(ty: &Type, expected: &str) -> bool {
    if let Some(name) = expected.strip_prefix("&mut ") {
        return matches!(ty, Type::Reference(r) if r.mutability.is_some() && signature::is_named(&r.elem, name));
    }
    if let Some(name) = expected.strip_prefix('&') {
        return signature::is_ref_to(ty, name);
    }
    signature::is_named(ty, expected)
}

/// Checks `sig` against `hook`; `method` tells whether `&self` must come first.
fn check(
    hook: &'static Hook,
    sig: &Signature,
    block: &syn::Block,
    method: bool,
    errors: &mut Errors,
) -> Option<HookDef> {
    let form = hook.form;
    let mut ok = true;
    match (hook.is_async, sig.asyncness.is_some()) {
        (true, false) => {
            errors.push(
                sig.fn_token,
                format!("`{}` must be an `async fn`; expected {form}", hook.name),
            );
            ok = false;
        }
        (false, true) => {
            errors.push(
                sig.asyncness,
                format!("`{}` is not async; expected {form}", hook.name),
            );
            ok = false;
        }
        _ => {}
    }
    if method && !signature::has_ref_self(sig) {
        errors.push(
            &sig.ident,
            format!("`{}` takes `&self` first; expected {form}", hook.name),
        );
        ok = false;
    }
    let args = signature::typed_args(sig);
    for (index, expected) in hook.args.iter().enumerate() {
        match args.get(index) {
            Some(arg) if matches(&arg.ty, expected) => {}
            Some(arg) => {
                errors.push(
                    &arg.ty,
                    format!("expected `{expected}` here; the hook is {form}"),
                );
                ok = false;
            }
            None => {
                errors.push(
                    &sig.ident,
                    format!("`{}` takes `{expected}`; expected {form}", hook.name),
                );
                ok = false;
            }
        }
    }
    let (mut origin, mut crawler) = (false, false);
    for extra in args.iter().skip(hook.args.len()) {
        if hook.origin && !origin && !crawler && signature::is_ref_to(&extra.ty, "Origin") {
            origin = true;
        } else if !crawler && signature::is_ref_to(&extra.ty, "Crawler") {
            crawler = true;
        } else {
            errors.push(
                &extra.ty,
                format!(
                    "unexpected argument (only `crawler: &Crawler` may follow); expected {form}"
                ),
            );
            ok = false;
        }
    }
    let generator = crate::generator::yields(block);
    crate::generator::check(block, errors);
    if generator && !matches!(hook.name, "process_spider_output" | "process_start") {
        errors.push(
            &sig.ident,
            format!("`{}` cannot yield; expected {form}", hook.name),
        );
        ok = false;
    }
    ok.then(|| HookDef {
        hook,
        sig: sig.clone(),
        takes: Takes { origin, crawler },
        generator,
        returns_result: matches!(
            signature::return_shape(&sig.output),
            signature::Shape::Result(_)
        ),
    })
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

#[cfg(test)]
mod tests {
    use quote::quote;
    use syn::parse_quote;

    use super::*;
    use crate::args::MIDDLEWARE_KEYS;
    use crawl_dsl::hooks::Kind;

    fn args(tokens: proc_macro2::TokenStream) -> ComponentArgs {
        let mut errors = Errors::default();
        let args = ComponentArgs::parse(tokens, MIDDLEWARE_KEYS, &mut errors);
        assert!(errors.is_empty());
        args
    }

    #[test]
    fn a_fn_of_any_name_implements_the_hook_it_names() {
        let mut errors = Errors::default();
        let function: ItemFn = parse_quote!(
            async fn tag(request: &mut Request, crawler: &Crawler) {}
        );
        let def = free_fn(
            &function,
            &args(quote!(hook = process_request)),
            &mut errors,
        )
        .unwrap();
        assert!(errors.is_empty());
        assert_eq!(
            (def.name.as_str(), def.order, def.kind),
            ("tag", 500, Kind::Downloader)
        );
        assert_eq!(
            def.hooks[0].takes,
            Takes {
                origin: false,
                crawler: true
            }
        );
    }

    #[test]
    fn process_spider_output_may_take_the_origin_and_yields() {
        let mut errors = Errors::default();
        let function: ItemFn = parse_quote!(
            async fn process_spider_output(outputs: OutputStream, origin: &Origin) {
                yield_!(1);
            }
        );
        let def = free_fn(&function, &args(quote!()), &mut errors).unwrap();
        let hook = &def.hooks[0];
        assert_eq!(
            hook.takes,
            Takes {
                origin: true,
                crawler: false
            }
        );
        assert!(hook.generator);
    }

    #[test]
    fn an_unknown_hook_name_lists_the_hooks() {
        let mut errors = Errors::default();
        let function: ItemFn = parse_quote!(
            async fn process_requst(request: &mut Request) {}
        );
        assert!(free_fn(&function, &args(quote!()), &mut errors).is_none());
        let message = &errors.messages()[0];
        assert!(message.starts_with("unknown middleware hook `process_requst`: a `#[middleware]` fn is named after its hook"), "{message}");
        assert!(
            message.ends_with("(did you mean `process_request`?)"),
            "{message}"
        );
    }

    #[test]
    fn an_impl_mixing_kinds_is_an_error() {
        let mut errors = Errors::default();
        let block: ItemImpl = parse_quote! {
            impl Both {
                async fn process_request(&self, request: &mut Request) {}
                fn process_spider_input(&self, response: &Response) -> Result<()> { Ok(()) }
                fn helper(&self) {}
            }
        };
        let methods = Methods::of(&block);
        assert_eq!(methods.0.len(), 2);
        impl_block(&block, &methods, &args(quote!()), &mut errors);
        assert_eq!(
            errors.messages(),
            ["a middleware is either a downloader middleware or a spider middleware: put these hooks in two impl blocks"]
        );
    }
}

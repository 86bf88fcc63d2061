//! A hook fn's signature checked against its row of crawl-dsl's hook table.

use syn::{Signature, Type};

use super::HookDef;
use crate::errors::Errors;
use crate::signature;
pub(crate) use crawl_dsl::hooks::{Hook, Kind, HOOKS};

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
pub(super) fn check(
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
        takes: (origin, crawler),
        generator,
        returns_result: matches!(
            signature::return_shape(&sig.output),
            signature::Shape::Result(_)
        ),
    })
}

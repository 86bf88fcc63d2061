//! The rules of the methods the engine calls: callbacks, errbacks, the start hook, and the
//! bodies of generators. Each reports at the token to change.

use syn::spanned::Spanned;

use super::parse::{Body, CallbackDef, SpiderDef};
use crate::errors::{list, Errors};
use crate::{generator, signature};

/// The accepted callback signatures, spelt with the callback's name (`&self` first, unless
/// the spider is a free fn).
fn callback_forms(name: &syn::Ident, receiver: &str) -> String {
    format!("expected `async fn {name}({receiver}response: Response)` or `async fn {name}({receiver}response: Response, crawler: &Crawler)`")
}

/// What callbacks and errbacks share: an `async fn`, not generic, taking `&self` first; `kind`
/// names the method in messages ("callback"), `forms` its accepted signatures.
fn async_method(
    sig: &syn::Signature,
    kind: &str,
    name: &syn::Ident,
    forms: &str,
    errors: &mut Errors,
) {
    if sig.asyncness.is_none() {
        errors.push(
            sig.fn_token,
            format!("{kind} `{name}` must be an `async fn`; {forms}"),
        );
    }
    if !sig.generics.params.is_empty() {
        errors.push(
            &sig.generics,
            format!("{kind} `{name}` cannot be generic; {forms}"),
        );
    }
    if !signature::has_ref_self(sig) {
        let at = sig
            .inputs
            .first()
            .map(|arg| arg.span())
            .unwrap_or_else(|| sig.ident.span());
        errors.push_error(syn::Error::new(
            at,
            format!("{kind} `{name}` must take `&self` first; {forms}"),
        ));
    }
}

/// A callback is `async fn name(&self, response: Response[, crawler: &Crawler])`.
pub(super) fn callback_signature(spider: &SpiderDef, callback: &CallbackDef, errors: &mut Errors) {
    let method = spider.method(callback.index);
    let sig = &method.sig;
    // A free-fn spider's one method is the fn: name it, without the `&self` it was given.
    let (name, receiver) = match &spider.free_fn {
        Some(function) => (function, ""),
        None => (&sig.ident, "&self, "),
    };
    let forms = callback_forms(name, receiver);
    async_method(sig, "callback", name, &forms, errors);
    let args = signature::typed_args(sig);
    match args.first() {
        None => {
            let at = sig.paren_token.span.join();
            errors.push_error(syn::Error::new(
                at,
                format!("callback `{name}` must take the response; {forms}"),
            ));
        }
        Some(first) if signature::is_ref_to(&first.ty, "Response") => errors.push(
            &first.ty,
            format!("callback `{name}` takes the response by value: `response: Response`; {forms}"),
        ),
        Some(first) if !signature::is_named(&first.ty, "Response") => errors.push(
            &first.ty,
            format!("the first argument of callback `{name}` must be the response; {forms}"),
        ),
        _ => {}
    }
    let (mut crawler, mut typed) = (false, false);
    for extra in args.iter().skip(1) {
        let ty = &*extra.ty;
        if signature::is_ref_to(ty, "Crawler") && !crawler {
            crawler = true;
        } else if matches!(ty, syn::Type::Reference(_) | syn::Type::ImplTrait(_))
            || signature::is_named(ty, "Crawler")
            || signature::is_named(ty, "Response")
        {
            errors.push(
                ty,
                format!("unexpected argument in callback `{name}`: after the response, a callback takes `crawler: &Crawler` and one argument by value of a `Serialize + Deserialize` type, given with `.with_args(...)`; {forms}"),
            );
        } else if typed {
            errors.push(
                ty,
                format!(
                    "callback `{name}` takes one argument besides the response (and the crawler): a `Serialize + Deserialize` type given with `.with_args(...)`; group several values in a struct, as in `async fn {name}({receiver}response: Response, args: Page)`"
                ),
            );
        } else {
            typed = true;
        }
    }
    body_rules(method, name, &callback.body, errors);
}

/// The accepted errback signatures.
fn errback_forms(name: &syn::Ident) -> String {
    format!("expected `async fn {name}(&self, request: Request, error: BoxError)` or `async fn {name}(&self, request: Request, error: BoxError, crawler: &Crawler)`")
}

/// An errback is `async fn name(&self, request: Request, error: BoxError[, crawler: &Crawler])`.
pub(super) fn errback_signature(spider: &SpiderDef, errback: &CallbackDef, errors: &mut Errors) {
    let method = spider.method(errback.index);
    let sig = &method.sig;
    let name = &sig.ident;
    let forms = errback_forms(name);
    async_method(sig, "errback", name, &forms, errors);
    let args = signature::typed_args(sig);
    let expected = [
        ("Request", "the failed request by value, `request: Request`"),
        ("BoxError", "the error, `error: BoxError`"),
    ];
    for (position, (ty, what)) in expected.iter().enumerate() {
        match args.get(position) {
            Some(arg) if signature::is_named(&arg.ty, ty) => {}
            Some(arg) => errors.push(
                &arg.ty,
                format!(
                    "argument {} of errback `{name}` must be {what}; {forms}",
                    position + 1
                ),
            ),
            None => {
                errors.push_error(syn::Error::new(
                    sig.paren_token.span.join(),
                    format!("errback `{name}` must take {what}; {forms}"),
                ));
                break;
            }
        }
    }
    for (position, extra) in args.iter().enumerate().skip(2) {
        if position > 2 || !signature::is_ref_to(&extra.ty, "Crawler") {
            errors.push(
                &extra.ty,
                format!("unexpected argument in errback `{name}`; {forms}"),
            );
        }
    }
    body_rules(method, name, &errback.body, errors);
}

/// The start hook is written once: `start` (Scrapy 2.13's name) or `start_requests`.
pub(super) fn one_start_hook(spider: &SpiderDef, errors: &mut Errors) {
    if let Some(second) = &spider.duplicate_start {
        errors.push(
            second,
            "a spider has one start hook: write `start` or `start_requests`, not both",
        );
    }
}

/// `start_requests` is `async fn start_requests(&self[, crawler: &Crawler])` (or `start`).
pub(super) fn start_requests_signature(
    spider: &SpiderDef,
    start: &CallbackDef,
    errors: &mut Errors,
) {
    let method = spider.method(start.index);
    let sig = &method.sig;
    let name = &start.name;
    let forms =
        format!("expected `async fn {name}(&self)` or `async fn {name}(&self, crawler: &Crawler)`");
    if sig.asyncness.is_none() {
        errors.push(
            sig.fn_token,
            format!("`{name}` must be an `async fn`; {forms}"),
        );
    }
    if !signature::has_ref_self(sig) {
        errors.push(&sig.ident, format!("`{name}` must take `&self`; {forms}"));
    }
    let args = signature::typed_args(sig);
    if args.len() > 1
        || args
            .first()
            .is_some_and(|a| !signature::is_ref_to(&a.ty, "Crawler"))
    {
        errors.push(&sig.inputs, forms);
    }
    body_rules(method, &sig.ident, &start.body, errors);
}

/// A generator has no return type, and its `yield`s sit in its own body.
fn body_rules(method: &syn::ImplItemFn, name: &syn::Ident, body: &Body, errors: &mut Errors) {
    generator::check(&method.block, errors);
    if *body == Body::Generator {
        if let syn::ReturnType::Type(_, ty) = &method.sig.output {
            errors.push(
                ty,
                format!(
                    "`{name}` yields, so it has no return type: its outputs are what it yields"
                ),
            );
        }
    }
}

/// Start requests need a `parse` callback unless the spider writes its own `start_requests`.
pub(super) fn has_parse(spider: &SpiderDef, errors: &mut Errors) {
    if spider.start_requests.is_some() || spider.callbacks.iter().any(|cb| cb.name == "parse") {
        return;
    }
    let names: Vec<String> = spider
        .callbacks
        .iter()
        .map(|cb| cb.name.to_string())
        .collect();
    errors.push(
        &spider.item.self_ty,
        format!(
            "spider has no `parse` callback, which receives the start URLs' responses; add `async fn parse(&self, response: Response)`{}",
            if names.is_empty() {
                String::new()
            } else {
                format!(" (its callbacks are {})", list(names.iter().map(String::as_str)))
            }
        ),
    );
}

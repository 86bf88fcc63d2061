//! One function per rule a spider must follow; each reports at the token to change.

use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit};

use super::parse::{Body, CallbackDef, SpiderDef};
use crate::errors::{did_you_mean, list, Errors};
use crate::settings_table::{self, SETTINGS};
use crate::{generator, signature};

/// Checks every rule, recording each violation.
pub(crate) fn validate(spider: &SpiderDef, errors: &mut Errors) {
    name(spider, errors);
    start_urls(spider, errors);
    allowed_domains(spider, errors);
    arg_names(spider, errors);
    settings(spider, errors);
    plain_impl(spider, errors);
    for callback in &spider.callbacks {
        callback_signature(spider, callback, errors);
    }
    for errback in &spider.errbacks {
        errback_signature(spider, errback, errors);
    }
    if let Some(start) = &spider.start_requests {
        start_requests_signature(spider, start, errors);
    }
    one_start_hook(spider, errors);
    has_parse(spider, errors);
}

/// The name is given, and is a word: letters, digits, `_` and `-`.
fn name(spider: &SpiderDef, errors: &mut Errors) {
    match &spider.args.name {
        None => errors.push(
            &spider.item.self_ty,
            "a spider needs a name: `#[spider(name = \"...\")]`",
        ),
        Some(name) => {
            let text = name.value();
            if text.is_empty()
                || !text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                errors.push(
                    name,
                    format!("invalid spider name `{text}`: use letters, digits, `_` and `-`"),
                );
            }
        }
    }
}

/// Each start URL parses as an absolute http or https URL.
fn start_urls(spider: &SpiderDef, errors: &mut Errors) {
    let Some(list) = &spider.args.start_urls else {
        return;
    };
    for literal in &list.items {
        let text = literal.value();
        match url::Url::parse(&text) {
            Ok(url) if url.scheme() == "http" || url.scheme() == "https" => {}
            Ok(url) => errors.push(
                literal,
                format!(
                    "start URL `{text}` has scheme `{}`; expected `http` or `https`",
                    url.scheme()
                ),
            ),
            Err(error) => errors.push(
                literal,
                format!("invalid start URL `{text}`: {error}; expected an absolute `http` or `https` URL such as `https://example.com/`"),
            ),
        }
    }
}

/// Allowed domains are bare domains, not URLs.
fn allowed_domains(spider: &SpiderDef, errors: &mut Errors) {
    let Some(list) = &spider.args.allowed_domains else {
        return;
    };
    for literal in &list.items {
        let text = literal.value();
        if text.contains("://") || text.contains('/') || text.is_empty() {
            errors.push(
                literal,
                format!("`allowed_domains` takes domains such as `example.com`, not `{text}`"),
            );
        }
    }
}

/// Declared arguments are identifiers and do not redeclare the built-in `start_url`.
fn arg_names(spider: &SpiderDef, errors: &mut Errors) {
    let Some(list) = &spider.args.args else {
        return;
    };
    for literal in &list.items {
        let text = literal.value();
        if text == "start_url" {
            errors.push(
                literal,
                "`start_url` is built in: every spider accepts `-a start_url=URL`; expected only the spider's own arguments in `args`",
            );
        } else if text.is_empty() || !text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            errors.push(
                literal,
                format!("invalid argument name `{text}`: use letters, digits and `_`"),
            );
        }
    }
}

/// Each setting key is known and its value is a literal of the setting's type.
fn settings(spider: &SpiderDef, errors: &mut Errors) {
    let Some((_, settings)) = &spider.args.settings else {
        return;
    };
    for setting in settings {
        let key = setting.key.to_string();
        let Some(known) = settings_table::find(&key) else {
            errors.push(
                &setting.key,
                format!(
                    "unknown setting `{key}`: settings are Scrapy's names in lowercase, such as `concurrent_requests` or `download_delay`{}",
                    did_you_mean(&key, SETTINGS.iter().map(|s| s.field))
                ),
            );
            continue;
        };
        if let Some(expected) = value_mismatch(known.ty, &setting.value) {
            errors.push(&setting.value, format!("setting `{key}` takes {expected}"));
        }
    }
}

/// What the value should have been, if it does not fit the type.
fn value_mismatch(ty: &str, value: &Expr) -> Option<&'static str> {
    let lit = match value {
        Expr::Lit(ExprLit { lit, .. }) => Some(lit),
        Expr::Unary(unary) => match &*unary.expr {
            Expr::Lit(ExprLit {
                lit: lit @ Lit::Int(_),
                ..
            }) if ty == "i32" => Some(lit),
            Expr::Lit(ExprLit {
                lit: lit @ Lit::Float(_),
                ..
            }) if ty == "f64" => Some(lit),
            _ => None,
        },
        _ => None,
    };
    let ty = ty.replace(' ', "");
    let fits = match ty.as_str() {
        "usize" | "u32" | "u64" | "u16" | "i32" => matches!(lit, Some(Lit::Int(_))),
        "f64" => matches!(lit, Some(Lit::Int(_) | Lit::Float(_))),
        "bool" => matches!(lit, Some(Lit::Bool(_))),
        "String" => matches!(lit, Some(Lit::Str(_))),
        "Vec<String>" => is_array_of(value, |lit| matches!(lit, Lit::Str(_))),
        "Vec<u16>" => is_array_of(value, |lit| matches!(lit, Lit::Int(_))),
        // Maps (pipelines, middlewares, headers) are given as JSON text, parsed at start-up.
        "ComponentOrders" | "StringMap" => matches!(lit, Some(Lit::Str(_))),
        _ => false,
    };
    if fits {
        return None;
    }
    Some(match ty.as_str() {
        "usize" | "u32" | "u64" | "u16" => "a non-negative integer literal",
        "i32" => "an integer literal",
        "f64" => "a number literal",
        "bool" => "`true` or `false`",
        "String" => "a string literal",
        "Vec<String>" => "an array of string literals",
        "Vec<u16>" => "an array of integer literals",
        "ComponentOrders" => {
            "a JSON object as a string literal, such as r#\"{\"MyPipeline\": null}\"#"
        }
        "StringMap" => "a JSON object of strings as a string literal",
        _ => "a value that can only be set at run time (`-s NAME=value`)",
    })
}

fn is_array_of(value: &Expr, fits: impl Fn(&Lit) -> bool) -> bool {
    match value {
        Expr::Array(array) => array
            .elems
            .iter()
            .all(|e| matches!(e, Expr::Lit(ExprLit { lit, .. }) if fits(lit))),
        _ => false,
    }
}

/// A spider is an inherent impl of a concrete type.
fn plain_impl(spider: &SpiderDef, errors: &mut Errors) {
    let item = &spider.item;
    if let Some((_, path, _)) = &item.trait_ {
        errors.push(path, "`#[spider]` goes on an inherent impl block (`impl MySpider { ... }`), not a trait impl");
    }
    if !item.generics.params.is_empty() {
        errors.push(
            &item.generics,
            "a spider cannot be generic: the engine builds it by name; expected a concrete type such as `impl MySpider`",
        );
    }
}

/// The accepted callback signatures, spelt with the callback's name (`&self` first, unless
/// the spider is a free fn).
fn callback_forms(name: &syn::Ident, receiver: &str) -> String {
    format!("expected `async fn {name}({receiver}response: Response)` or `async fn {name}({receiver}response: Response, crawler: &Crawler)`")
}

/// A callback is `async fn name(&self, response: Response[, crawler: &Crawler])`.
fn callback_signature(spider: &SpiderDef, callback: &CallbackDef, errors: &mut Errors) {
    let method = spider.method(callback.index);
    let sig = &method.sig;
    // A free-fn spider's one method is the fn: name it, without the `&self` it was given.
    let (name, receiver) = match &spider.free_fn {
        Some(function) => (function, ""),
        None => (&sig.ident, "&self, "),
    };
    let forms = callback_forms(name, receiver);
    if sig.asyncness.is_none() {
        errors.push(
            sig.fn_token,
            format!("callback `{name}` must be an `async fn`; {forms}"),
        );
    }
    if !sig.generics.params.is_empty() {
        errors.push(
            &sig.generics,
            format!("callback `{name}` cannot be generic; {forms}"),
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
            format!("callback `{name}` must take `&self` first; {forms}"),
        ));
    }
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
fn errback_signature(spider: &SpiderDef, errback: &CallbackDef, errors: &mut Errors) {
    let method = spider.method(errback.index);
    let sig = &method.sig;
    let name = &sig.ident;
    let forms = errback_forms(name);
    if sig.asyncness.is_none() {
        errors.push(
            sig.fn_token,
            format!("errback `{name}` must be an `async fn`; {forms}"),
        );
    }
    if !sig.generics.params.is_empty() {
        errors.push(
            &sig.generics,
            format!("errback `{name}` cannot be generic; {forms}"),
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
            format!("errback `{name}` must take `&self` first; {forms}"),
        ));
    }
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
fn one_start_hook(spider: &SpiderDef, errors: &mut Errors) {
    if let Some(second) = &spider.duplicate_start {
        errors.push(
            second,
            "a spider has one start hook: write `start` or `start_requests`, not both",
        );
    }
}

/// `start_requests` is `async fn start_requests(&self[, crawler: &Crawler])` (or `start`).
fn start_requests_signature(spider: &SpiderDef, start: &CallbackDef, errors: &mut Errors) {
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
fn has_parse(spider: &SpiderDef, errors: &mut Errors) {
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

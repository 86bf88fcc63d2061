//! The table of middleware hooks: each one's kind, arguments and form.

use syn::{Signature, Type};

use super::HookDef;
use crate::errors::Errors;
use crate::signature;

/// Downloader or spider middleware.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Downloader,
    Spider,
}

/// One hook: its name, kind, required arguments (type names) and whether it is async.
pub(crate) struct Hook {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    /// Required leading arguments, as `&mut T`, `&T` or `T` type texts.
    pub(crate) args: &'static [&'static str],
    /// Whether it may take `origin: &Origin` after them.
    pub(crate) origin: bool,
    pub(crate) is_async: bool,
    pub(crate) form: &'static str,
}

/// Every hook.
pub(crate) const HOOKS: &[Hook] = &[
    Hook { name: "process_request", kind: Kind::Downloader, args: &["&mut Request"], origin: false, is_async: true,
        form: "`async fn process_request(request: &mut Request)`, returning `()`, `Option<Response>`, `Response` or `Request`, or a `Result` of one" },
    Hook { name: "process_response", kind: Kind::Downloader, args: &["Response"], origin: false, is_async: true,
        form: "`async fn process_response(response: Response)`, returning `Response` or `Request`, or a `Result` of one" },
    Hook { name: "process_exception", kind: Kind::Downloader, args: &["&Request", "&BoxError"], origin: false, is_async: true,
        form: "`async fn process_exception(request: &Request, error: &BoxError)`, returning `()`, `Option<Response>`, `Option<Request>`, `Response` or `Request`, or a `Result` of one" },
    Hook { name: "process_spider_output", kind: Kind::Spider, args: &["OutputStream"], origin: true, is_async: true,
        form: "`async fn process_spider_output(outputs: OutputStream, origin: &Origin)` yielding outputs with `yield_!`" },
    Hook { name: "process_start", kind: Kind::Spider, args: &["OutputStream"], origin: false, is_async: true,
        form: "`async fn process_start(start: OutputStream)` yielding outputs with `yield_!`" },
    Hook { name: "process_spider_input", kind: Kind::Spider, args: &["&Response"], origin: false, is_async: false,
        form: "`fn process_spider_input(response: &Response) -> Result<()>`" },
    Hook { name: "process_spider_exception", kind: Kind::Spider, args: &["&Origin", "&BoxError"], origin: false, is_async: false,
        form: "`fn process_spider_exception(origin: &Origin, error: &BoxError) -> Option<OutputStream>`" },
];

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

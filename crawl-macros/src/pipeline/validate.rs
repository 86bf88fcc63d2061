//! The rules of a pipeline: `process_item` takes its item by value or by `&mut` and returns
//! what fits (`T`, `Option<T>`, `()` or `bool`, or a `Result` of one), lifecycle hooks take
//! `&self` and maybe the crawler, and an impl has no other async fn.

use quote::quote;
use syn::{ImplItemFn, ItemFn, ItemImpl, Signature, Type};

use super::parse::{Methods, Role, HOOKS};
use super::{ItemArg, PipelineDef};
use crate::args::ComponentArgs;
use crate::errors::{did_you_mean, list, Errors};
use crate::signature::{self, Shape};

const PROCESS_ITEM_FORMS: &str = "expected `async fn process_item(item: T)` or `async fn process_item(item: &mut T)`, optionally followed by `crawler: &Crawler`";

/// Checks a `process_item`-shaped signature (receiver excluded) and models it.
fn process_item(sig: &Signature, errors: &mut Errors) -> Option<(ItemArg, Shape, bool)> {
    if sig.asyncness.is_none() {
        errors.push(
            sig.fn_token,
            format!(
                "`{}` must be an `async fn`; {PROCESS_ITEM_FORMS}",
                sig.ident
            ),
        );
    }
    let args = signature::typed_args(sig);
    let Some(first) = args.first() else {
        errors.push(
            &sig.ident,
            format!("`{}` takes the item; {PROCESS_ITEM_FORMS}", sig.ident),
        );
        return None;
    };
    let item = match &*first.ty {
        Type::Reference(reference) if reference.mutability.is_some() => {
            ItemArg::Borrowed((*reference.elem).clone())
        }
        Type::Reference(reference) => {
            errors.push(
                reference,
                format!(
                    "`{}` takes the item by value or by `&mut`; {PROCESS_ITEM_FORMS}",
                    sig.ident
                ),
            );
            return None;
        }
        other => ItemArg::Owned(other.clone()),
    };
    let mut takes_crawler = false;
    for extra in args.iter().skip(1) {
        if signature::is_ref_to(&extra.ty, "Crawler") && !takes_crawler {
            takes_crawler = true;
        } else {
            errors.push(
                &extra.ty,
                format!("unexpected argument; {PROCESS_ITEM_FORMS}"),
            );
        }
    }
    let shape = signature::return_shape(&sig.output);
    let returns_item = match (&item, &sig.output) {
        (ItemArg::Owned(ty), syn::ReturnType::Type(_, ret)) => returned_type_is(ret, ty),
        _ => false,
    };
    let fits = match (&item, &shape) {
        (ItemArg::Owned(_), Shape::Single | Shape::Option(_)) => returns_item,
        (ItemArg::Owned(_), Shape::Result(inner)) => {
            matches!(**inner, Shape::Single | Shape::Option(_)) && returns_item
        }
        (ItemArg::Borrowed(_), Shape::Unit | Shape::Single) => true,
        (ItemArg::Borrowed(_), Shape::Result(inner)) => {
            matches!(**inner, Shape::Unit | Shape::Single)
        }
        _ => false,
    };
    if !fits {
        let expected = match item {
            ItemArg::Owned(_) => "an item taken by value is returned: `T`, `Option<T>` (`None` drops it) or a `Result` of those",
            ItemArg::Borrowed(_) => "an item taken by `&mut` returns `()`, `bool` (`false` drops it) or a `Result` of those",
        };
        match &sig.output {
            syn::ReturnType::Type(_, ty) => errors.push(ty, expected),
            syn::ReturnType::Default => errors.push(&sig.ident, expected),
        }
    }
    Some((item, shape, takes_crawler))
}

/// Whether `ret` is `item`, possibly inside `Option<..>` and/or `Result<..>`.
fn returned_type_is(ret: &Type, item: &Type) -> bool {
    let text = |ty: &Type| quote!(#ty).to_string();
    if text(ret) == text(item) {
        return true;
    }
    let Type::Path(path) = ret else { return false };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    if last.ident != "Option" && last.ident != "Result" {
        return false;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => match args.args.first() {
            Some(syn::GenericArgument::Type(inner)) => returned_type_is(inner, item),
            _ => false,
        },
        _ => false,
    }
}

pub(super) fn free_fn(
    function: &ItemFn,
    args: &ComponentArgs,
    errors: &mut Errors,
) -> Option<PipelineDef> {
    let (item, shape, takes_crawler) = process_item(&function.sig, errors)?;
    Some(PipelineDef {
        name: args
            .name
            .as_ref()
            .map_or_else(|| function.sig.ident.to_string(), |n| n.value()),
        order: args.order_or(300),
        item,
        shape,
        takes_crawler,
        self_ty: None,
        has_open: None,
        has_close: None,
    })
}

/// A lifecycle hook: `async fn NAME(&self[, crawler: &Crawler])`; tells whether it takes the
/// crawler.
fn lifecycle(method: &ImplItemFn, errors: &mut Errors) -> bool {
    let sig = &method.sig;
    let forms = format!(
        "expected `async fn {0}(&self)` or `async fn {0}(&self, crawler: &Crawler)`",
        sig.ident
    );
    if sig.asyncness.is_none() {
        errors.push(
            sig.fn_token,
            format!("`{}` must be an `async fn`; {forms}", sig.ident),
        );
    }
    let args = signature::typed_args(sig);
    if !signature::has_ref_self(sig)
        || args.len() > 1
        || args
            .first()
            .is_some_and(|a| !signature::is_ref_to(&a.ty, "Crawler"))
    {
        errors.push(&sig.inputs, forms);
    }
    !args.is_empty()
}

/// Checks a pipeline impl block, whose hook methods `methods` found.
pub(super) fn impl_block(
    block: &ItemImpl,
    methods: &Methods<'_>,
    args: &ComponentArgs,
    errors: &mut Errors,
) -> Option<PipelineDef> {
    let mut def = None;
    let (mut has_open, mut has_close) = (None, None);
    let errors_before = errors.len();
    for (role, method) in &methods.0 {
        match role {
            Role::ProcessItem => {
                if !signature::has_ref_self(&method.sig) {
                    errors.push(
                        &method.sig.ident,
                        format!("`process_item` takes `&self` first; {PROCESS_ITEM_FORMS}"),
                    );
                }
                def = process_item(&method.sig, errors);
            }
            Role::OpenSpider => has_open = Some(lifecycle(method, errors)),
            Role::CloseSpider => has_close = Some(lifecycle(method, errors)),
            Role::Unknown => {
                let name = method.sig.ident.to_string();
                errors.push(
                    &method.sig.ident,
                    format!(
                        "unknown pipeline hook `{name}`: every `async fn` of a `#[pipeline]` impl is a hook, one of {}{}",
                        list(HOOKS.iter().copied()),
                        did_you_mean(&name, HOOKS.iter().copied())
                    ),
                );
            }
        }
    }
    let Some((item, shape, takes_crawler)) = def else {
        // A misspelt hook was reported already; one mistake, one error.
        if errors.len() == errors_before {
            errors.push(
                &block.self_ty,
                "a pipeline needs `async fn process_item(&self, item: T)`",
            );
        }
        return None;
    };
    let type_name = match &*block.self_ty {
        Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    };
    Some(PipelineDef {
        name: args
            .name
            .as_ref()
            .map(|n| n.value())
            .or(type_name)
            .unwrap_or_else(|| "pipeline".to_owned()),
        order: args.order_or(300),
        item,
        shape,
        takes_crawler,
        self_ty: Some((*block.self_ty).clone()),
        has_open,
        has_close,
    })
}

#[cfg(test)]
mod tests {
    use quote::quote;
    use syn::parse_quote;

    use super::*;
    use crate::args::PIPELINE_KEYS;

    fn args() -> ComponentArgs {
        let mut errors = Errors::default();
        ComponentArgs::parse(quote!(order = 100), PIPELINE_KEYS, &mut errors)
    }

    #[test]
    fn an_owned_item_returned_as_an_option_is_a_pipeline() {
        let mut errors = Errors::default();
        let function: ItemFn = parse_quote!(
            async fn clean(item: Quote, crawler: &Crawler) -> Result<Option<Quote>> {
                Ok(None)
            }
        );
        let def = free_fn(&function, &args(), &mut errors).unwrap();
        assert!(errors.is_empty(), "{:?}", errors.messages());
        assert!(matches!(def.item, ItemArg::Owned(_)));
        assert!(def.takes_crawler);
        assert_eq!((def.name.as_str(), def.order), ("clean", 100));
    }

    #[test]
    fn an_item_by_shared_reference_is_an_error() {
        let mut errors = Errors::default();
        let function: ItemFn = parse_quote!(
            async fn look(item: &Quote) {}
        );
        assert!(free_fn(&function, &args(), &mut errors).is_none());
        let message = &errors.messages()[0];
        assert!(
            message.starts_with("`look` takes the item by value or by `&mut`"),
            "{message}"
        );
    }

    #[test]
    fn a_returned_type_must_be_the_item() {
        let mut errors = Errors::default();
        let function: ItemFn = parse_quote!(
            async fn swap(item: Quote) -> Option<Author> {
                None
            }
        );
        free_fn(&function, &args(), &mut errors);
        assert_eq!(
            errors.messages(),
            ["an item taken by value is returned: `T`, `Option<T>` (`None` drops it) or a `Result` of those"]
        );
    }

    #[test]
    fn a_misspelt_hook_is_named_once() {
        let mut errors = Errors::default();
        let block: ItemImpl = parse_quote! {
            impl Store {
                async fn proces_item(&self, item: Quote) -> Quote { item }
                fn helper(&self) {}
            }
        };
        let methods = Methods::of(&block);
        assert!(impl_block(&block, &methods, &args(), &mut errors).is_none());
        let messages = errors.messages();
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(
            messages[0].ends_with("(did you mean `process_item`?)"),
            "{messages:?}"
        );
    }
}

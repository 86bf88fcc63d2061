//! `#[pipeline]`: a typed `process_item` as a free async fn, or an impl block with
//! `open_spider`, `process_item` and `close_spider`. Items of other types pass by untouched.

mod expand;

use proc_macro2::TokenStream;
use quote::quote;
use syn::{ImplItem, ImplItemFn, ItemFn, ItemImpl, Signature, Type};

use crate::args::{ComponentArgs, PIPELINE_KEYS};
use crate::errors::{did_you_mean, list, Errors};
use crate::signature::{self, Shape};

const HOOKS: &[&str] = &["open_spider", "process_item", "close_spider"];
const PROCESS_ITEM_FORMS: &str = "expected `async fn process_item(item: T)` or `async fn process_item(item: &mut T)`, optionally followed by `crawler: &Crawler`";

/// How `process_item` takes its item.
pub(crate) enum ItemArg {
    /// By value: it returns `T`, `Option<T>` (None drops) or a `Result` of those.
    Owned(Type),
    /// By `&mut`: it returns `()`, `bool` (false drops) or a `Result` of those.
    Borrowed(Type),
}

/// The model of a pipeline.
pub(crate) struct PipelineDef {
    pub(crate) name: String,
    pub(crate) order: i32,
    pub(crate) item: ItemArg,
    pub(crate) shape: Shape,
    pub(crate) takes_crawler: bool,
    /// The impl form's type; `None` for a free fn.
    pub(crate) self_ty: Option<Type>,
    /// `open_spider` / `close_spider`, if present: whether each takes the crawler.
    pub(crate) has_open: Option<bool>,
    pub(crate) has_close: Option<bool>,
}

/// Expands `#[pipeline(args)]` on a free fn or an impl block.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = ComponentArgs::parse(args, PIPELINE_KEYS, &mut errors);
    let _crate = crate::core_path::use_crate(args.krate.clone());
    if let Ok(function) = syn::parse2::<ItemFn>(item.clone()) {
        let def = free_fn(&function, &args, &mut errors);
        return match (errors.finish(), def) {
            (Ok(()), Some(def)) => {
                let glue = expand::expand(&def, &function.sig.ident);
                quote!(#function #glue)
            }
            (result, _) => {
                let error = result.err().map(syn::Error::into_compile_error);
                let function = crate::fallback::function(&function);
                quote!(#function #error)
            }
        };
    }
    match syn::parse2::<ItemImpl>(item.clone()) {
        Ok(block) => {
            let def = impl_block(&block, &args, &mut errors);
            match (errors.finish(), def) {
                (Ok(()), Some(def)) => {
                    let glue = expand::expand(
                        &def,
                        &syn::Ident::new("process_item", proc_macro2::Span::call_site()),
                    );
                    quote!(#block #glue)
                }
                (result, _) => {
                    let error = result.err().map(syn::Error::into_compile_error);
                    let block = crate::fallback::impl_block(&block);
                    quote!(#block #error)
                }
            }
        }
        Err(_) => syn::Error::new_spanned(
            item,
            "`#[pipeline]` goes on an `async fn process_item(item: T)`-like fn or on an impl block",
        )
        .into_compile_error(),
    }
}

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

fn free_fn(function: &ItemFn, args: &ComponentArgs, errors: &mut Errors) -> Option<PipelineDef> {
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

fn impl_block(block: &ItemImpl, args: &ComponentArgs, errors: &mut Errors) -> Option<PipelineDef> {
    let mut def = None;
    let (mut has_open, mut has_close) = (None, None);
    let errors_before = errors.len();
    for item in &block.items {
        let ImplItem::Fn(method) = item else { continue };
        let name = method.sig.ident.to_string();
        match name.as_str() {
            "process_item" => {
                if !signature::has_ref_self(&method.sig) {
                    errors.push(&method.sig.ident, format!("`process_item` takes `&self` first; {PROCESS_ITEM_FORMS}"));
                }
                def = process_item(&method.sig, errors);
            }
            "open_spider" => has_open = Some(lifecycle(method, errors)),
            "close_spider" => has_close = Some(lifecycle(method, errors)),
            _ if method.sig.asyncness.is_some() => errors.push(
                &method.sig.ident,
                format!(
                    "unknown pipeline hook `{name}`: every `async fn` of a `#[pipeline]` impl is a hook, one of {}{}",
                    list(HOOKS.iter().copied()),
                    did_you_mean(&name, HOOKS.iter().copied())
                ),
            ),
            _ => {}
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

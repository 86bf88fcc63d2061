//! syn → the spider's model: its callbacks, start requests and helpers, tokens kept for spans.

use syn::{Ident, ImplItem, ImplItemFn, ItemImpl};

use crate::args::SpiderArgs;
use crate::generator;
use crate::signature::{self, Shape};

/// How a callback produces its outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Body {
    /// A generator body that `yield`s.
    Generator,
    /// A plain async fn whose return value converts by its shape.
    Returns(Shape),
}

/// A method the engine calls: a callback or `start_requests`.
pub(crate) struct CallbackDef {
    /// Index of the method among the impl's items.
    pub(crate) index: usize,
    pub(crate) name: Ident,
    pub(crate) body: Body,
    /// Whether it takes `crawler: &Crawler` (after the response, for callbacks).
    pub(crate) takes_crawler: bool,
}

/// The model of a `#[spider]` impl block.
pub(crate) struct SpiderDef {
    pub(crate) item: ItemImpl,
    pub(crate) args: SpiderArgs,
    pub(crate) callbacks: Vec<CallbackDef>,
    pub(crate) start_requests: Option<CallbackDef>,
    /// A second start hook (`start` and `start_requests` both written).
    pub(crate) duplicate_start: Option<Ident>,
    /// Methods marked `#[on(signal)]`: their index and the attribute's tokens.
    pub(crate) handlers: Vec<(usize, proc_macro2::TokenStream)>,
    /// The fn's name when the spider is written as a free async fn (its one method, `parse`,
    /// is then the fn, and errors name the fn).
    pub(crate) free_fn: Option<Ident>,
}

/// The tokens of a method's `#[on(...)]` attribute.
fn on_attribute(method: &ImplItemFn) -> Option<proc_macro2::TokenStream> {
    method.attrs.iter().find_map(|attr| match &attr.meta {
        syn::Meta::List(list) if attr.path().is_ident("on") => Some(list.tokens.clone()),
        _ => None,
    })
}

/// Whether a method is meant as a callback by its signature: an `async fn` taking a
/// `Response` (by value or by reference, so that a wrong form is reported as such), or `parse`,
/// which receives the start URLs' responses. A sync method taking `&Response` is a helper.
fn looks_like_callback(method: &ImplItemFn) -> bool {
    mentions_response(method) && (method.sig.asyncness.is_some() || method.sig.ident == "parse")
}

/// Whether a method takes a `Response`, by value or by reference.
fn mentions_response(method: &ImplItemFn) -> bool {
    signature::typed_args(&method.sig).iter().any(|arg| {
        signature::is_named(&arg.ty, "Response") || signature::is_ref_to(&arg.ty, "Response")
    })
}

fn takes_crawler(method: &ImplItemFn) -> bool {
    signature::typed_args(&method.sig)
        .iter()
        .any(|arg| signature::is_ref_to(&arg.ty, "Crawler"))
}

fn def(index: usize, method: &ImplItemFn) -> CallbackDef {
    let body = if generator::yields(&method.block) {
        Body::Generator
    } else {
        Body::Returns(signature::return_shape(&method.sig.output))
    };
    CallbackDef {
        index,
        name: method.sig.ident.clone(),
        body,
        takes_crawler: takes_crawler(method),
    }
}

impl SpiderDef {
    /// Classifies the impl's methods.
    pub(crate) fn new(item: ItemImpl, args: SpiderArgs, free_fn: Option<Ident>) -> Self {
        let mut callbacks = Vec::new();
        let mut start_requests = None;
        let mut duplicate_start = None;
        let mut handlers = Vec::new();
        // A method named where a callback goes is a callback, whatever its arguments: a wrong
        // signature is then reported as such, not as an unknown callback.
        let referenced: Vec<Ident> = item
            .items
            .iter()
            .filter_map(|impl_item| match impl_item {
                ImplItem::Fn(method) => Some(crate::callbacks::referenced(&method.block)),
                _ => None,
            })
            .flatten()
            .collect();
        for (index, impl_item) in item.items.iter().enumerate() {
            let ImplItem::Fn(method) = impl_item else {
                continue;
            };
            if let Some(tokens) = on_attribute(method) {
                handlers.push((index, tokens));
            } else if method.sig.ident == "start_requests"
                || (method.sig.ident == "start"
                    && !mentions_response(method)
                    && !referenced.contains(&method.sig.ident))
            {
                // Scrapy 2.13 names the hook `start`; both names work, one at a time.
                match &start_requests {
                    None => start_requests = Some(def(index, method)),
                    Some(_) => duplicate_start = Some(method.sig.ident.clone()),
                }
            } else if free_fn.is_some()
                || looks_like_callback(method)
                || referenced.contains(&method.sig.ident)
            {
                callbacks.push(def(index, method));
            }
        }
        SpiderDef {
            item,
            args,
            callbacks,
            start_requests,
            duplicate_start,
            handlers,
            free_fn,
        }
    }

    /// The method at `index`.
    pub(crate) fn method(&self, index: usize) -> &ImplItemFn {
        match &self.item.items[index] {
            ImplItem::Fn(method) => method,
            _ => unreachable!("callback indexes point at methods"),
        }
    }

    /// The callbacks' names.
    pub(crate) fn callback_names(&self) -> Vec<Ident> {
        self.callbacks.iter().map(|cb| cb.name.clone()).collect()
    }
}

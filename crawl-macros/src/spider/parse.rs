//! syn → the spider's model: its callbacks, start requests and helpers, tokens kept for spans.

use syn::{Ident, ImplItem, ImplItemFn, ItemImpl};

use crate::args::SpiderArgs;
use crate::callbacks::Position;
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
    /// The type of a callback's typed argument (the one after the response that is not the
    /// crawler), given by the request's `with_args`.
    pub(crate) args_ty: Option<syn::Type>,
}

/// The model of a `#[spider]` impl block.
pub(crate) struct SpiderDef {
    pub(crate) item: ItemImpl,
    pub(crate) args: SpiderArgs,
    pub(crate) callbacks: Vec<CallbackDef>,
    /// Methods named where an errback is expected (`.errback(Self::failed)`).
    pub(crate) errbacks: Vec<CallbackDef>,
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

fn def(index: usize, method: &ImplItemFn) -> CallbackDef {
    let body = if generator::yields(&method.block) {
        Body::Generator
    } else {
        Body::Returns(signature::return_shape(&method.sig.output))
    };
    let args_ty = signature::typed_args(&method.sig)
        .into_iter()
        .skip(1)
        .find(|arg| !signature::is_ref_to(&arg.ty, "Crawler"))
        .map(|arg| (*arg.ty).clone());
    CallbackDef {
        index,
        name: method.sig.ident.clone(),
        body,
        args_ty,
    }
}

impl SpiderDef {
    /// Classifies the impl's methods.
    pub(crate) fn new(item: ItemImpl, args: SpiderArgs, free_fn: Option<Ident>) -> Self {
        let mut callbacks = Vec::new();
        let mut errbacks = Vec::new();
        let mut start_requests = None;
        let mut duplicate_start = None;
        let mut handlers = Vec::new();
        // A method named where a callback goes is a callback, whatever its arguments: a wrong
        // signature is then reported as such, not as an unknown callback.
        let referenced_in = |position| -> Vec<Ident> {
            item.items
                .iter()
                .filter_map(|impl_item| match impl_item {
                    ImplItem::Fn(method) => {
                        Some(crate::callbacks::referenced(&method.block, position))
                    }
                    _ => None,
                })
                .flatten()
                .collect()
        };
        let referenced = referenced_in(Position::Callback);
        // Likewise for errbacks, unless also named as a callback (or `parse`, which receives
        // the start URLs' responses): that is then reported where it is named as an errback.
        let referenced_errbacks = referenced_in(Position::Errback);
        for (index, impl_item) in item.items.iter().enumerate() {
            let ImplItem::Fn(method) = impl_item else {
                continue;
            };
            let name = &method.sig.ident;
            if let Some(tokens) = on_attribute(method) {
                handlers.push((index, tokens));
            } else if referenced_errbacks.contains(name)
                && !referenced.contains(name)
                && name != "parse"
                && free_fn.is_none()
            {
                errbacks.push(CallbackDef {
                    args_ty: None,
                    ..def(index, method)
                });
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
            errbacks,
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

    /// The indexes of the methods whose bodies are generators.
    pub(crate) fn generators(&self) -> Vec<usize> {
        self.callbacks
            .iter()
            .chain(self.errbacks.iter())
            .chain(self.start_requests.iter())
            .filter(|cb| cb.body == Body::Generator)
            .map(|cb| cb.index)
            .collect()
    }

    /// The callbacks (with the type of their argument) and the errbacks.
    pub(crate) fn known(&self) -> crate::callbacks::Known {
        crate::callbacks::Known {
            callbacks: self
                .callbacks
                .iter()
                .map(|cb| (cb.name.clone(), cb.args_ty.clone()))
                .collect(),
            errbacks: self.errbacks.iter().map(|eb| eb.name.clone()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn methods_named_as_errbacks_are_errbacks() {
        let item: ItemImpl = parse_quote! {
            impl Pages {
                async fn parse(&self, response: Response) {
                    for href in response.css("a::attr(href)").getall() {
                        yield_!(response.follow(href, Self::parse)?.errback(Self::failed));
                    }
                }

                async fn failed(&self, request: Request, error: BoxError) {
                    yield_!(Failure { url: request.url.to_string() });
                }
            }
        };
        let spider = SpiderDef::new(item, SpiderArgs::default(), None);
        let names = |defs: &[CallbackDef]| -> Vec<String> {
            defs.iter().map(|def| def.name.to_string()).collect()
        };
        assert_eq!(names(&spider.callbacks), ["parse"]);
        assert_eq!(names(&spider.errbacks), ["failed"]);
        assert!(spider.errbacks[0].args_ty.is_none());
    }
}

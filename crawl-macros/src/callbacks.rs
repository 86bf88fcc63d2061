//! References to callbacks in callback position (the last argument of `follow`,
//! `follow_all`, `with_callback`) and to errbacks in errback position (the argument of
//! `errback`): `Self::name` in an impl spider, the fn's own name in a free-fn spider. Checked
//! against the spider's callbacks and errbacks and turned into serializable names; the value
//! given to `with_args` on a request built for a callback is checked against the type the
//! callback takes.

use std::collections::BTreeSet;

use quote::{quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprMethodCall, ExprPath, Ident, Type};

use crate::core_path;
use crate::errors::{did_you_mean, list, Errors};

/// Methods whose (last) argument names a callback.
const CALLBACK_TAKERS: &[&str] = &["follow", "follow_all", "with_callback"];

/// The method whose argument names an errback.
const ERRBACK_TAKER: &str = "errback";

/// The method that passes a callback its typed argument.
const ARGS_TAKER: &str = "with_args";

/// Where an expression sits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Position {
    /// Anywhere else.
    Other,
    /// Where a callback is expected.
    Callback,
    /// Where an errback is expected.
    Errback,
}

/// What the spider's methods are: callbacks (with the type of their extra argument, if any)
/// and errbacks.
pub(crate) struct Known {
    /// Each callback and the type of its typed argument.
    pub(crate) callbacks: Vec<(Ident, Option<Type>)>,
    /// Each errback.
    pub(crate) errbacks: Vec<Ident>,
}

/// Rewrites `Self::cb` (not called) into a callback name when `cb` is a callback or an
/// errback, reports `Self::x` passed where a callback or errback is expected when `x` is not
/// one, and pins `with_args` to the type its callback takes.
pub(crate) fn rewrite(block: &mut syn::Block, known: &Known, errors: &mut Errors) {
    let mut walker = Walker {
        handler: Rewrite { known, errors },
        taker: Position::Other,
    };
    walker.visit_block_mut(block);
}

/// Reports what [`rewrite`] would report in `block` (the validate stage), leaving it as is.
pub(crate) fn check(block: &syn::Block, known: &Known, errors: &mut Errors) {
    rewrite(&mut block.clone(), known, errors);
}

/// Names the callbacks of a checked `block` (the expand stage).
pub(crate) fn name(block: &mut syn::Block, known: &Known) {
    rewrite(block, known, &mut Errors::default());
}

/// The names `x` of every `Self::x` in `position` in `block`: the methods the spider uses as
/// callbacks (or errbacks), whatever their signature.
pub(crate) fn referenced(block: &syn::Block, position: Position) -> Vec<Ident> {
    let mut walker = Walker {
        handler: Collect {
            position,
            names: Vec::new(),
        },
        taker: Position::Other,
    };
    let mut block = block.clone();
    crate::generator::to_yield_exprs(&mut block);
    walker.visit_block_mut(&mut block);
    walker.handler.names
}

/// Reports a bare name in callback position in the body of the free-fn spider `name` that is
/// neither the fn itself nor a variable bound in the fn: a misspelt callback. Without this
/// check rustc would report the name as missing and suggest the unit struct the fn becomes.
///
/// `Self::x` in callback position is reported too (the fn has no callbacks by method name) and
/// replaced by the fn's name, so that it is reported once.
pub(crate) fn check_free_fn(function: &mut syn::ItemFn, errors: &mut Errors) {
    let mut bound = Bindings::default();
    bound.visit_item_fn(function);
    let mut walker = Walker {
        handler: FreeFn {
            name: &function.sig.ident,
            bound: &bound.names,
            errors,
        },
        taker: Position::Other,
    };
    crate::generator::to_yield_exprs(&mut function.block);
    walker.visit_block_mut(&mut function.block);
}

/// What happens to a path expression the walker meets.
trait PathHandler {
    /// `taker`: whether the path is where a callback or an errback is expected.
    fn path(&mut self, node: &mut Expr, path: &ExprPath, taker: Position);

    /// `call` is `.with_args(value)` on a request built for the callback `Self::callback`.
    fn with_args(&mut self, call: &mut ExprMethodCall, callback: &Ident) {
        let _ = (call, callback);
    }
}

/// Walks expressions, tracking whether the current one is in callback position.
struct Walker<H> {
    handler: H,
    /// Inside the arguments of a method that takes a callback or an errback.
    taker: Position,
}

/// The callback `Self::x` a request chain names, in `receiver.with_args(..)`: the last
/// argument of the nearest `follow`/`with_callback` call up the chain (through `?`).
fn chain_callback(mut receiver: &Expr) -> Option<Ident> {
    loop {
        match receiver {
            Expr::MethodCall(call) => {
                if CALLBACK_TAKERS.iter().any(|m| call.method == m) {
                    return match call.args.last()? {
                        Expr::Path(path) => self_member(path).cloned(),
                        _ => None,
                    };
                }
                receiver = &call.receiver;
            }
            Expr::Try(inner) => receiver = &inner.expr,
            Expr::Paren(inner) => receiver = &inner.expr,
            Expr::Group(inner) => receiver = &inner.expr,
            _ => return None,
        }
    }
}

/// `name` if `path` is `Self::name`.
fn self_member(path: &ExprPath) -> Option<&Ident> {
    let segments = &path.path.segments;
    (path.qself.is_none()
        && segments.len() == 2
        && segments[0].ident == "Self"
        && segments[1].arguments.is_empty())
    .then(|| &segments[1].ident)
}

impl<H: PathHandler> VisitMut for Walker<H> {
    fn visit_expr_mut(&mut self, node: &mut Expr) {
        match node {
            Expr::Call(call) => {
                // `Self::helper(..)` is a call, not a callback reference.
                if !matches!(&*call.func, Expr::Path(_)) {
                    self.visit_expr_mut(&mut call.func);
                }
                let outer = std::mem::replace(&mut self.taker, Position::Other);
                for arg in call.args.iter_mut() {
                    self.visit_expr_mut(arg);
                }
                self.taker = outer;
            }
            Expr::MethodCall(call) => {
                let target = (call.method == ARGS_TAKER && call.args.len() == 1)
                    .then(|| chain_callback(&call.receiver))
                    .flatten();
                self.visit_expr_mut(&mut call.receiver);
                let takes = if CALLBACK_TAKERS.iter().any(|m| call.method == m) {
                    Position::Callback
                } else if call.method == ERRBACK_TAKER {
                    Position::Errback
                } else {
                    Position::Other
                };
                let last = call.args.len().saturating_sub(1);
                let outer = self.taker;
                for (position, arg) in call.args.iter_mut().enumerate() {
                    // The callback is the last argument.
                    self.taker = if position == last {
                        takes
                    } else {
                        Position::Other
                    };
                    self.visit_expr_mut(arg);
                }
                self.taker = outer;
                if let Some(callback) = target {
                    self.handler.with_args(call, &callback);
                }
            }
            Expr::Path(path) => {
                let path = path.clone();
                self.handler.path(node, &path, self.taker);
            }
            Expr::Closure(_) | Expr::Async(_) => {
                let outer = std::mem::replace(&mut self.taker, Position::Other);
                visit_mut::visit_expr_mut(self, node);
                self.taker = outer;
            }
            _ => {
                let keep = if matches!(node, Expr::Paren(_) | Expr::Group(_)) {
                    self.taker
                } else {
                    Position::Other
                };
                let outer = std::mem::replace(&mut self.taker, keep);
                visit_mut::visit_expr_mut(self, node);
                self.taker = outer;
            }
        }
    }
}

/// Turns known callbacks into names, reports unknown ones.
struct Rewrite<'a> {
    known: &'a Known,
    errors: &'a mut Errors,
}

impl Rewrite<'_> {
    fn is_callback(&self, name: &Ident) -> bool {
        self.known.callbacks.iter().any(|(cb, _)| cb == name)
    }

    fn is_errback(&self, name: &Ident) -> bool {
        self.known.errbacks.iter().any(|eb| eb == name)
    }

    /// Reports `Self::name` where a callback (or errback) is expected and it is not one.
    fn unknown(&mut self, path: &ExprPath, name: &Ident, taker: Position) {
        let text = name.to_string();
        let (kind, names): (&str, Vec<String>) = match taker {
            Position::Errback => (
                "errback",
                self.known.errbacks.iter().map(|n| n.to_string()).collect(),
            ),
            _ => (
                "callback",
                self.known
                    .callbacks
                    .iter()
                    .map(|(n, _)| n.to_string())
                    .collect(),
            ),
        };
        let message = if names.is_empty() && taker == Position::Errback {
            format!(
                "unknown errback `Self::{text}`: this spider has no errback; expected a method `async fn {text}(&self, request: Request, error: BoxError)`"
            )
        } else {
            format!(
                "unknown {kind} `Self::{text}`: the {kind}s of this spider are {}{}",
                list(names.iter().map(String::as_str)),
                did_you_mean(&text, names.iter().map(String::as_str)),
            )
        };
        self.errors.push(path, message);
    }
}

/// `Callback::from_static("name")`, spanned at `path`.
fn named(path: &ExprPath, name: &Ident) -> Expr {
    let private = core_path::private();
    let text = name.to_string();
    let span = path.span();
    Expr::Verbatim(
        quote_spanned!(span=> #private::Callback::from_static(#text)).into_token_stream(),
    )
}

impl PathHandler for Rewrite<'_> {
    fn path(&mut self, node: &mut Expr, path: &ExprPath, taker: Position) {
        let Some(name) = self_member(path) else {
            return;
        };
        let known = match taker {
            Position::Other => self.is_callback(name) || self.is_errback(name),
            Position::Callback => self.is_callback(name),
            Position::Errback => self.is_errback(name),
        };
        if !known && taker != Position::Other {
            self.unknown(path, name, taker);
        }
        // An unknown name becomes a name too, so that rustc does not report it again.
        if known || taker != Position::Other {
            *node = named(path, name);
        }
    }

    fn with_args(&mut self, call: &mut ExprMethodCall, callback: &Ident) {
        let Some((_, ty)) = self.known.callbacks.iter().find(|(cb, _)| cb == callback) else {
            return;
        };
        match ty {
            Some(ty) => {
                // Spanned at `with_args`, so that a mismatch points at the method and the value.
                let span = call.method.span();
                let ty = respan(ty.to_token_stream(), span);
                call.turbofish = Some(syn::parse_quote_spanned!(span=> ::<#ty>));
            }
            None => self.errors.push(
                &call.args[0],
                format!(
                    "callback `{callback}` takes no argument, so `with_args` has nothing to pass it to; to receive one, expected `async fn {callback}(&self, response: Response, args: T)` with `T` the type given here"
                ),
            ),
        }
    }
}

/// `tokens` with every span set to `span`.
fn respan(tokens: proc_macro2::TokenStream, span: proc_macro2::Span) -> proc_macro2::TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                tree = proc_macro2::TokenTree::Group(inner);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// Gathers `Self::x` in one position.
struct Collect {
    position: Position,
    names: Vec<Ident>,
}

impl PathHandler for Collect {
    fn path(&mut self, _node: &mut Expr, path: &ExprPath, taker: Position) {
        if let Some(name) = self_member(path).filter(|_| taker == self.position) {
            if !self.names.contains(name) {
                self.names.push(name.clone());
            }
        }
    }
}

/// Every name a pattern binds in a fn (arguments, `let`, closures, `for`, `match`).
#[derive(Default)]
struct Bindings {
    names: BTreeSet<String>,
}

impl Visit<'_> for Bindings {
    fn visit_pat_ident(&mut self, pat: &syn::PatIdent) {
        self.names.insert(pat.ident.to_string());
        syn::visit::visit_pat_ident(self, pat);
    }
}

/// Reports misspelt callbacks of a free-fn spider.
struct FreeFn<'a> {
    name: &'a Ident,
    bound: &'a BTreeSet<String>,
    errors: &'a mut Errors,
}

impl PathHandler for FreeFn<'_> {
    fn path(&mut self, node: &mut Expr, path: &ExprPath, taker: Position) {
        let taker = taker != Position::Other;
        if let Some(member) = self_member(path).filter(|_| taker) {
            self.errors.push(
                path,
                format!(
                    "unknown callback `Self::{member}`: a spider written as an `async fn` has one callback, the fn itself; expected `{}`",
                    self.name
                ),
            );
            let name = self.name;
            *node = syn::parse_quote_spanned!(name.span()=> #name);
            return;
        }
        let Some(ident) = path
            .path
            .get_ident()
            .filter(|_| taker && path.qself.is_none())
        else {
            return;
        };
        let text = ident.to_string();
        let lowercase = text.starts_with(|c: char| c.is_lowercase() || c == '_');
        if ident == self.name || !lowercase || self.bound.contains(&text) {
            return;
        }
        let name = self.name.to_string();
        self.errors.push(
            path,
            format!(
                "unknown callback `{text}`: a spider written as an `async fn` has one callback, the fn itself, `{name}`{}",
                did_you_mean(&text, [name.as_str()]),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn known_callbacks_become_names_and_unknown_ones_are_reported() {
        let callbacks: Vec<Ident> = vec![parse_quote!(parse), parse_quote!(parse_author)];
        let mut errors = Errors::default();
        let mut block: syn::Block = parse_quote!({
            response.follow(href, Self::parse_author);
            response.follow(href, Self::parse_autor);
            Self::helper(1);
        });
        let known = Known {
            callbacks: callbacks.iter().map(|cb| (cb.clone(), None)).collect(),
            errbacks: Vec::new(),
        };
        rewrite(&mut block, &known, &mut errors);
        let text = block.to_token_stream().to_string();
        assert!(
            text.contains("Callback :: from_static (\"parse_author\")"),
            "{text}"
        );
        // The unknown one is named too, so that rustc does not report it a second time.
        assert!(
            text.contains("Callback :: from_static (\"parse_autor\")"),
            "{text}"
        );
        assert!(text.contains("Self :: helper (1)"), "{text}");
        let message = errors.finish().unwrap_err().to_string();
        assert!(message.starts_with("unknown callback `Self::parse_autor`: the callbacks of this spider are `parse` and `parse_author` (did you mean `parse_author`?)"), "{message}");
    }

    #[test]
    fn methods_in_callback_position_are_referenced() {
        let block: syn::Block = parse_quote!({
            yield_!(response.follow(href, Self::parse_author));
            Request::new(url).with_callback((Self::parse_page));
            Self::helper(Self::not_a_callback);
        });
        let names: Vec<String> = referenced(&block, Position::Callback)
            .iter()
            .map(Ident::to_string)
            .collect();
        assert_eq!(names, ["parse_author", "parse_page"]);
    }

    #[test]
    fn errbacks_are_referenced_apart_and_with_args_takes_the_callbacks_type() {
        let block: syn::Block = parse_quote!({
            yield_!(response
                .follow(href, Self::page)?
                .errback(Self::failed)
                .with_args(Page { n: 2 }));
            yield_!(response.follow(href, Self::parse)?.with_args(3));
            yield_!(response.follow(href, Self::parse)?.errback(Self::faild));
        });
        let errbacks: Vec<String> = referenced(&block, Position::Errback)
            .iter()
            .map(Ident::to_string)
            .collect();
        assert_eq!(errbacks, ["failed", "faild"]);
        let (page, parse, failed): (Ident, Ident, Ident) = (
            parse_quote!(page),
            parse_quote!(parse),
            parse_quote!(failed),
        );
        let ty: Type = parse_quote!(Page);
        let known = Known {
            callbacks: vec![(page, Some(ty)), (parse, None)],
            errbacks: vec![failed],
        };
        let mut block = block;
        crate::generator::to_yield_exprs(&mut block);
        let mut errors = Errors::default();
        rewrite(&mut block, &known, &mut errors);
        let text = block.to_token_stream().to_string();
        assert!(
            text.contains("with_args :: < Page > (Page { n : 2 })"),
            "{text}"
        );
        assert!(text.contains("from_static (\"failed\")"), "{text}");
        let messages = errors.messages();
        assert!(errors.finish().is_err());
        assert_eq!(messages, [
            "callback `parse` takes no argument, so `with_args` has nothing to pass it to; to receive one, expected `async fn parse(&self, response: Response, args: T)` with `T` the type given here",
            "unknown errback `Self::faild`: the errbacks of this spider are `failed` (did you mean `failed`?)",
        ]);
    }

    #[test]
    fn a_misspelt_free_fn_callback_is_reported_and_variables_are_not() {
        let mut function: syn::ItemFn = parse_quote! {
            async fn titles(response: Response) {
                let cb = Callback::from_static("parse");
                response.follow(a, titles);
                response.follow(b, cb);
                response.follow(c, CONSTANT);
                yield_!(response.follow(d, titels));
                yield_!(response.follow(e, Self::parse));
            }
        };
        let mut errors = Errors::default();
        check_free_fn(&mut function, &mut errors);
        let messages = errors.messages();
        assert!(errors.finish().is_err());
        assert_eq!(messages, [
            "unknown callback `titels`: a spider written as an `async fn` has one callback, the fn itself, `titles` (did you mean `titles`?)",
            "unknown callback `Self::parse`: a spider written as an `async fn` has one callback, the fn itself; expected `titles`",
        ]);
        let text = function.block.to_token_stream().to_string();
        assert!(text.contains("follow (e , titles)"), "{text}");
    }
}

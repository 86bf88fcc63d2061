//! References to callbacks in callback position (the last argument of `follow`,
//! `follow_all`, `with_callback`): `Self::name` in an impl spider, the fn's own name in a
//! free-fn spider. Checked against the spider's callbacks and turned into serializable names.

use std::collections::BTreeSet;

use quote::{quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprPath, Ident};

use crate::core_path;
use crate::errors::{did_you_mean, list, Errors};

/// Methods whose argument names a callback.
const CALLBACK_TAKERS: &[&str] = &["follow", "follow_all", "with_callback"];

/// Rewrites `Self::cb` (not called) into a callback name when `cb` is a callback, and reports
/// `Self::x` passed where a callback is expected when `x` is not one.
pub(crate) fn rewrite(block: &mut syn::Block, callbacks: &[Ident], errors: &mut Errors) {
    let mut walker = Walker {
        handler: Rewrite { callbacks, errors },
        taker: false,
    };
    walker.visit_block_mut(block);
}

/// The names `x` of every `Self::x` in callback position in `block`: the methods the spider
/// uses as callbacks, whatever their signature.
pub(crate) fn referenced(block: &syn::Block) -> Vec<Ident> {
    let mut walker = Walker {
        handler: Collect::default(),
        taker: false,
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
        taker: false,
    };
    crate::generator::to_yield_exprs(&mut function.block);
    walker.visit_block_mut(&mut function.block);
}

/// What happens to a path expression the walker meets.
trait PathHandler {
    /// `taker`: the path is an argument of a method that takes a callback.
    fn path(&mut self, node: &mut Expr, path: &ExprPath, taker: bool);
}

/// Walks expressions, tracking whether the current one is in callback position.
struct Walker<H> {
    handler: H,
    /// Inside the arguments of a method that takes a callback.
    taker: bool,
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
                let outer = std::mem::replace(&mut self.taker, false);
                for arg in call.args.iter_mut() {
                    self.visit_expr_mut(arg);
                }
                self.taker = outer;
            }
            Expr::MethodCall(call) => {
                self.visit_expr_mut(&mut call.receiver);
                let takes = CALLBACK_TAKERS.iter().any(|m| call.method == m);
                let last = call.args.len().saturating_sub(1);
                let outer = self.taker;
                for (position, arg) in call.args.iter_mut().enumerate() {
                    // The callback is the last argument.
                    self.taker = takes && position == last;
                    self.visit_expr_mut(arg);
                }
                self.taker = outer;
            }
            Expr::Path(path) => {
                let path = path.clone();
                self.handler.path(node, &path, self.taker);
            }
            Expr::Closure(_) | Expr::Async(_) => {
                let outer = std::mem::replace(&mut self.taker, false);
                visit_mut::visit_expr_mut(self, node);
                self.taker = outer;
            }
            _ => {
                let keep = self.taker && matches!(node, Expr::Paren(_) | Expr::Group(_));
                let outer = std::mem::replace(&mut self.taker, keep);
                visit_mut::visit_expr_mut(self, node);
                self.taker = outer;
            }
        }
    }
}

/// Turns known callbacks into names, reports unknown ones.
struct Rewrite<'a> {
    callbacks: &'a [Ident],
    errors: &'a mut Errors,
}

impl PathHandler for Rewrite<'_> {
    fn path(&mut self, node: &mut Expr, path: &ExprPath, taker: bool) {
        let Some(name) = self_member(path) else {
            return;
        };
        if self.callbacks.iter().any(|cb| cb == name) {
            let private = core_path::private();
            let text = name.to_string();
            let span = path.span();
            *node = Expr::Verbatim(
                quote_spanned!(span=> #private::Callback::from_static(#text)).into_token_stream(),
            );
        } else if taker {
            let text = name.to_string();
            let names: Vec<String> = self.callbacks.iter().map(Ident::to_string).collect();
            self.errors.push(
                path,
                format!(
                    "unknown callback `Self::{text}`: the callbacks of this spider are {}{}",
                    list(names.iter().map(String::as_str)),
                    did_you_mean(&text, names.iter().map(String::as_str)),
                ),
            );
        }
    }
}

/// Gathers `Self::x` in callback position.
#[derive(Default)]
struct Collect {
    names: Vec<Ident>,
}

impl PathHandler for Collect {
    fn path(&mut self, _node: &mut Expr, path: &ExprPath, taker: bool) {
        if let Some(name) = self_member(path).filter(|_| taker) {
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
    fn path(&mut self, node: &mut Expr, path: &ExprPath, taker: bool) {
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
        rewrite(&mut block, &callbacks, &mut errors);
        let text = block.to_token_stream().to_string();
        assert!(
            text.contains("Callback :: from_static (\"parse_author\")"),
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
        let names: Vec<String> = referenced(&block).iter().map(Ident::to_string).collect();
        assert_eq!(names, ["parse_author", "parse_page"]);
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
        let messages: Vec<String> = errors
            .finish()
            .unwrap_err()
            .into_iter()
            .map(|error| error.to_string())
            .collect();
        assert_eq!(messages, [
            "unknown callback `titels`: a spider written as an `async fn` has one callback, the fn itself, `titles` (did you mean `titles`?)",
            "unknown callback `Self::parse`: a spider written as an `async fn` has one callback, the fn itself; expected `titles`",
        ]);
        let text = function.block.to_token_stream().to_string();
        assert!(text.contains("follow (e , titles)"), "{text}");
    }
}

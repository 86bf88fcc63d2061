//! `yield_!(value)` in callback bodies: found, checked (not inside closures, async blocks or
//! nested items) and rewritten into a yield of the value converted to the engine's output.
//!
//! Stable Rust rejects the `yield` keyword before any macro runs (it is feature-gated while
//! parsing), so generator bodies spell it as the macro `yield_!`.

use proc_macro2::Span;
use quote::{quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, ExprAsync, ExprClosure, Item, Macro, Stmt};

use crate::core_path;
use crate::errors::Errors;

/// `async fn f(&self, ..) { .. yield x .. }` becomes
/// `fn f<'c>(&'c self, ..) -> impl Stream<Item = Result<Output, BoxError>> + Send + 'c`,
/// every reference argument taking the lifetime `'c`.
pub(crate) fn into_stream_fn(sig: &mut syn::Signature, block: &mut Block) {
    let private = core_path::private();
    rewrite(block);
    let lifetime: syn::Lifetime = syn::parse_quote!('__crawl);
    sig.asyncness = None;
    sig.generics.params.push(syn::parse_quote!(#lifetime));
    for input in sig.inputs.iter_mut() {
        match input {
            syn::FnArg::Receiver(receiver) => {
                if let Some((_, slot)) = &mut receiver.reference {
                    *slot = Some(lifetime.clone());
                }
                *receiver.ty = syn::parse_quote!(&#lifetime Self);
            }
            syn::FnArg::Typed(typed) => {
                if let syn::Type::Reference(reference) = &mut *typed.ty {
                    reference.lifetime.get_or_insert(lifetime.clone());
                }
            }
        }
    }
    let span = sig.ident.span();
    sig.output = syn::parse_quote_spanned! {span=>
        -> impl #private::futures::Stream<
            Item = #private::std::result::Result<#private::Output, #private::BoxError>
        > + #private::std::marker::Send + #lifetime
    };
    let stmts = &block.stmts;
    *block = syn::parse_quote_spanned! {span=>
        { #private::async_stream::try_stream! { #(#stmts)* } }
    };
}

/// The name of the yield macro.
const YIELD: &str = "yield_";

fn is_yield(mac: &Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|last| last.ident == YIELD)
}

/// Whether `block` holds a `yield_!` anywhere, even where it cannot yield.
pub(crate) fn mentions_yield(block: &Block) -> bool {
    let mut finder = Finder::default();
    finder.visit_block(block);
    !finder.own.is_empty() || !finder.misplaced.is_empty()
}

/// Whether `block` yields from its own body (not from closures, async blocks or items).
pub(crate) fn yields(block: &Block) -> bool {
    let mut finder = Finder::default();
    finder.visit_block(block);
    !finder.own.is_empty()
}

/// Reports every `yield_!` that sits where it cannot yield from the callback, or has no value.
pub(crate) fn check(block: &Block, errors: &mut Errors) {
    let mut finder = Finder::default();
    finder.visit_block(block);
    for (span, place) in finder.misplaced {
        errors.push_error(syn::Error::new(
            span,
            format!("`yield_!` inside {place}: a callback yields only from its own body; collect the values there and yield them outside it"),
        ));
    }
    for mac in &finder.own {
        if mac.tokens.is_empty() {
            continue;
        }
        if let Err(error) = mac.parse_body::<Expr>() {
            errors.push(
                mac,
                format!("`yield_!` takes one value, an item or a request: {error}"),
            );
        }
    }
}

#[derive(Default)]
struct Finder {
    own: Vec<Macro>,
    misplaced: Vec<(Span, &'static str)>,
    inside: Option<&'static str>,
}

impl Finder {
    fn nested<F: FnOnce(&mut Self)>(&mut self, place: &'static str, f: F) {
        let outer = self.inside.replace(self.inside.unwrap_or(place));
        f(self);
        self.inside = outer;
    }
}

impl<'ast> Visit<'ast> for Finder {
    fn visit_expr_yield(&mut self, node: &'ast syn::ExprYield) {
        // Already turned from `yield_!` by `to_yield_exprs`.
        if self.inside.is_none() {
            self.own.push(syn::parse_quote!(yield_!()));
        }
        visit::visit_expr_yield(self, node);
    }
    fn visit_macro(&mut self, node: &'ast Macro) {
        if is_yield(node) {
            match self.inside {
                Some(place) => self.misplaced.push((node.path.span(), place)),
                None => self.own.push(node.clone()),
            }
        }
    }
    fn visit_expr_closure(&mut self, node: &'ast ExprClosure) {
        self.nested("a closure", |f| visit::visit_expr_closure(f, node));
    }
    fn visit_expr_async(&mut self, node: &'ast ExprAsync) {
        self.nested("an async block", |f| visit::visit_expr_async(f, node));
    }
    fn visit_item(&mut self, node: &'ast Item) {
        self.nested("a nested item", |f| visit::visit_item(f, node));
    }
}

/// Turns each own `yield_!(value)` into a `yield value` expression, so later rewrites
/// (selectors, callback names) see the value as parsed code.
pub(crate) fn to_yield_exprs(block: &mut Block) {
    MacroToYield.visit_block_mut(block);
}

struct MacroToYield;

fn yield_expr(mac: &Macro) -> Option<Expr> {
    let value: Expr = mac.parse_body().ok()?;
    Some(Expr::Yield(syn::ExprYield {
        attrs: Vec::new(),
        yield_token: syn::Token![yield](mac.path.span()),
        expr: Some(Box::new(value)),
    }))
}

impl VisitMut for MacroToYield {
    fn visit_stmt_mut(&mut self, node: &mut Stmt) {
        if let Stmt::Macro(stmt) = node {
            if is_yield(&stmt.mac) {
                if let Some(mut expr) = yield_expr(&stmt.mac) {
                    self.visit_expr_mut(&mut expr);
                    let semi = stmt.semi_token.unwrap_or_default();
                    *node = Stmt::Expr(expr, Some(semi));
                }
                return;
            }
        }
        visit_mut::visit_stmt_mut(self, node);
    }
    fn visit_expr_mut(&mut self, node: &mut Expr) {
        if let Expr::Macro(expr) = node {
            if is_yield(&expr.mac) {
                if let Some(yielded) = yield_expr(&expr.mac) {
                    *node = yielded;
                    self.visit_expr_mut(node);
                }
                return;
            }
        }
        visit_mut::visit_expr_mut(self, node);
    }
    fn visit_expr_closure_mut(&mut self, _: &mut ExprClosure) {}
    fn visit_expr_async_mut(&mut self, _: &mut ExprAsync) {}
    fn visit_item_mut(&mut self, _: &mut Item) {}
}

/// Rewrites each own `yield value` into `yield <value converted to an output>`, for the
/// async-stream macro that wraps the body.
pub(crate) fn rewrite(block: &mut Block) {
    Rewriter.visit_block_mut(block);
}

struct Rewriter;

impl VisitMut for Rewriter {
    fn visit_expr_mut(&mut self, node: &mut Expr) {
        if let Expr::Yield(yield_expr) = node {
            if let Some(value) = yield_expr.expr.as_mut() {
                self.visit_expr_mut(value);
                let span = value.span();
                let private = core_path::private();
                // The conversion's temporaries end with the `let`, before the stream awaits.
                let converted = quote_spanned! {span=>
                    {
                        #[allow(unused_imports)]
                        use #private::{ViaItem as _, ViaOutput as _};
                        let __crawl_output = (&&&#private::Yielded::new(#value)).__crawl_output();
                        __crawl_output
                    }
                };
                **value = Expr::Verbatim(converted.into_token_stream());
            }
            return;
        }
        visit_mut::visit_expr_mut(self, node);
    }
    fn visit_expr_closure_mut(&mut self, _: &mut ExprClosure) {}
    fn visit_expr_async_mut(&mut self, _: &mut ExprAsync) {}
    fn visit_item_mut(&mut self, _: &mut Item) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn finds_own_yields_only() {
        assert!(yields(&parse_quote!({
            for x in y {
                yield_!(x);
            }
        })));
        assert!(!yields(&parse_quote!({
            let f = || {
                yield_!(1);
            };
        })));
        assert!(!yields(&parse_quote!({ x.await })));
    }

    #[test]
    fn reports_yield_in_closure() {
        let mut errors = Errors::default();
        check(
            &parse_quote!({
                items.iter().for_each(|i| {
                    yield_!(i);
                });
            }),
            &mut errors,
        );
        let message = errors.finish().unwrap_err().to_string();
        assert!(
            message.starts_with("`yield_!` inside a closure"),
            "{message}"
        );
    }

    #[test]
    fn rewrites_statement_yields() {
        let mut block: Block = parse_quote!({
            if ok {
                yield_!(item);
            }
        });
        to_yield_exprs(&mut block);
        rewrite(&mut block);
        let text = block.to_token_stream().to_string();
        assert!(text.contains("yield {"), "{text}");
        assert!(!text.contains("yield_"), "{text}");
    }
}

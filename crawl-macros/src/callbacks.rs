//! `Self::name` references to callbacks: checked against the spider's callbacks and turned
//! into serializable callback names.

use quote::{quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprPath, Ident};

use crate::core_path;
use crate::errors::{did_you_mean, list, Errors};

/// Methods whose argument names a callback.
const CALLBACK_TAKERS: &[&str] = &["follow", "follow_all", "with_callback"];

/// Rewrites `Self::cb` (not called) into a callback name when `cb` is a callback, and reports
/// `Self::x` passed where a callback is expected when `x` is not one.
pub(crate) fn rewrite(block: &mut syn::Block, callbacks: &[Ident], errors: &mut Errors) {
    let mut rewriter = Rewriter {
        callbacks,
        errors,
        taker: false,
    };
    rewriter.visit_block_mut(block);
}

struct Rewriter<'a> {
    callbacks: &'a [Ident],
    errors: &'a mut Errors,
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

impl VisitMut for Rewriter<'_> {
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
                let outer = std::mem::replace(
                    &mut self.taker,
                    CALLBACK_TAKERS.iter().any(|m| call.method == m),
                );
                for arg in call.args.iter_mut() {
                    self.visit_expr_mut(arg);
                }
                self.taker = outer;
            }
            Expr::Path(path) => {
                let Some(name) = self_member(path) else {
                    return;
                };
                if self.callbacks.iter().any(|cb| cb == name) {
                    let private = core_path::private();
                    let text = name.to_string();
                    let span = path.span();
                    *node = Expr::Verbatim(
                        quote_spanned!(span=> #private::Callback::from_static(#text))
                            .into_token_stream(),
                    );
                } else if self.taker {
                    let text = name.to_string();
                    let names: Vec<String> = self.callbacks.iter().map(Ident::to_string).collect();
                    self.errors.push(
                        &*path,
                        format!(
                            "unknown callback `Self::{text}`: the callbacks of this spider are {}{}",
                            list(names.iter().map(String::as_str)),
                            did_you_mean(&text, names.iter().map(String::as_str)),
                        ),
                    );
                }
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
}

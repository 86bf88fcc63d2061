//! Literal regular expressions and link-extractor regions in callback bodies, checked while
//! compiling: `.allow("…")`, `.deny("…")`, `.restrict_text("…")` (a `LinkExtractor`),
//! `.rule("…", callback)` and `.follow("…")` (sitemaps) take regexes, compiled here with
//! the `regex` crate crawl-core compiles them with at run time; `.restrict_css("…")` takes
//! a selector and so does `.formcss("…")` (a form request), parsed with crawl-core's
//! grammar.

use syn::visit::{self, Visit};
use syn::{Expr, ExprLit, ExprMethodCall, Lit, LitStr};

use crate::errors::Errors;
use crate::grammar;

/// Methods whose first argument, when a string literal, is a regular expression, with the
/// number of arguments they take.
const REGEX_TAKERS: &[(&str, usize)] = &[
    ("allow", 1),
    ("deny", 1),
    ("restrict_text", 1),
    ("rule", 2),
    ("follow", 1),
];

/// Reports every invalid literal regex or region selector in `block` at the literal.
pub(crate) fn check(block: &syn::Block, errors: &mut Errors) {
    Checker { errors }.visit_block(block);
}

struct Checker<'a> {
    errors: &'a mut Errors,
}

fn first_literal(call: &ExprMethodCall) -> Option<&LitStr> {
    match call.args.first() {
        Some(Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        })) => Some(text),
        _ => None,
    }
}

/// The last line of the regex crate's message (`unclosed group`), without its `error: `.
fn regex_error(pattern: &str) -> Option<String> {
    let error = regex::Regex::new(pattern).err()?;
    let text = error.to_string();
    let last = text.lines().last().unwrap_or(&text).trim();
    Some(last.strip_prefix("error: ").unwrap_or(last).to_owned())
}

impl<'ast> Visit<'ast> for Checker<'_> {
    fn visit_expr_method_call(&mut self, call: &'ast ExprMethodCall) {
        visit::visit_expr_method_call(self, call);
        let Some(literal) = first_literal(call) else {
            return;
        };
        let method = call.method.to_string();
        if REGEX_TAKERS.contains(&(method.as_str(), call.args.len())) {
            if let Some(error) = regex_error(&literal.value()) {
                self.errors.push(
                    literal,
                    format!(
                        "invalid regular expression `{}` in `.{method}(..)`: {error}",
                        literal.value()
                    ),
                );
            }
        } else if matches!(method.as_str(), "restrict_css" | "formcss") && call.args.len() == 1 {
            if let Err(error) = grammar::parse_query(&literal.value()) {
                self.errors.push(literal, format!("{error}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn invalid_regexes_and_regions_are_reported_at_the_literal() {
        let mut errors = Errors::default();
        let block: syn::Block = parse_quote!({
            let ok = LinkExtractor::builder()
                .allow(r"/page/\d+")
                .deny("login")
                .restrict_css("#main");
            let bad = LinkExtractor::builder().allow("(").restrict_css("div[");
            let sitemaps = Sitemaps::new(a, b).rule("[a-", Self::parse).follow(dynamic);
            let unrelated = rule.follow(true);
        });
        check(&block, &mut errors);
        assert_eq!(errors.len(), 3);
        let message = errors.finish().unwrap_err().to_string();
        assert_eq!(
            message,
            "invalid regular expression `(` in `.allow(..)`: unclosed group"
        );
    }
}

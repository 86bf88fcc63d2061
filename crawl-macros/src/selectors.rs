//! Literal CSS queries and XPath expressions in callback bodies: parsed while compiling
//! with crawl-core's own grammars (the CSS one from the `crawl-dsl` crate, the XPath one
//! from the `crawl-xpath` crate), and compiled once at run time.

use quote::{quote_spanned, ToTokens};
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprLit, ExprMethodCall, Lit, LitStr};

use crate::errors::Errors;
use crate::{core_path, grammar};

/// Checks every `.css("literal")` and `.xpath("literal")` in `block`, reporting invalid
/// ones at the literal, and rewrites valid ones to `.css_query(<a query compiled once>)` and
/// `.xpath_query(<an expression compiled once>)`.
fn check_and_compile(block: &mut syn::Block, errors: &mut Errors) {
    let mut compiler = Compiler { errors };
    compiler.visit_block_mut(block);
}

/// Reports every invalid literal query in `block` (the validate stage), leaving it as is.
pub(crate) fn check(block: &syn::Block, errors: &mut Errors) {
    check_and_compile(&mut block.clone(), errors);
}

/// Compiles every literal query of a checked `block` (the expand stage).
pub(crate) fn compile(block: &mut syn::Block) {
    check_and_compile(block, &mut Errors::default());
}

struct Compiler<'a> {
    errors: &'a mut Errors,
}

impl VisitMut for Compiler<'_> {
    fn visit_expr_method_call_mut(&mut self, call: &mut ExprMethodCall) {
        visit_mut::visit_expr_method_call_mut(self, call);
        let is_css = call.method == "css";
        if !(is_css || call.method == "xpath") || call.args.len() != 1 {
            return;
        }
        let Some(Expr::Lit(ExprLit {
            lit: Lit::Str(query),
            ..
        })) = call.args.first()
        else {
            return;
        };
        if !is_css {
            return self.compile_xpath(call, &query.clone());
        }
        match grammar::parse_query(&query.value()) {
            Err(error) => self.errors.push(query, format!("{error}")),
            Ok(_) => {
                let private = core_path::private();
                let span = query.span();
                let compiled = quote_spanned! {span=>
                    {
                        static QUERY: #private::std::sync::LazyLock<#private::Query> =
                            #private::std::sync::LazyLock::new(|| #private::literal_query(#query));
                        &*QUERY
                    }
                };
                call.method = syn::Ident::new("css_query", call.method.span());
                call.args = std::iter::once(Expr::Verbatim(compiled.into_token_stream())).collect();
            }
        }
    }
}

impl Compiler<'_> {
    /// `.xpath("literal")`: checked with the parser crawl-core evaluates with; an
    /// expression with variables is an error, since `.xpath()` binds none.
    fn compile_xpath(&mut self, call: &mut ExprMethodCall, xpath: &LitStr) {
        let parsed = match crawl_xpath::parse(&xpath.value()) {
            Ok(parsed) => parsed,
            Err(error) => return self.errors.push(xpath, error),
        };
        if let Some(name) = first_variable(&parsed) {
            return self.errors.push(
                xpath,
                format!(
                    "invalid xpath `{}`: `.xpath()` binds no variables, found `${name}`; \
                     bind it with `try_xpath_with`",
                    xpath.value()
                ),
            );
        }
        let private = core_path::private();
        let span = xpath.span();
        let compiled = quote_spanned! {span=>
            {
                static XPATH: #private::std::sync::LazyLock<#private::XPath> =
                    #private::std::sync::LazyLock::new(|| #private::literal_xpath(#xpath));
                &*XPATH
            }
        };
        call.method = syn::Ident::new("xpath_query", call.method.span());
        call.args = std::iter::once(Expr::Verbatim(compiled.into_token_stream())).collect();
    }
}

/// The first variable `$name` in `expr`, if any.
fn first_variable(expr: &crawl_xpath::Expr) -> Option<&str> {
    use crawl_xpath::{Expr as X, PathStart};
    fn in_steps(steps: &[crawl_xpath::Step]) -> Option<&str> {
        steps
            .iter()
            .flat_map(|s| &s.predicates)
            .find_map(first_variable)
    }
    match expr {
        X::Variable(name) => Some(name),
        X::Literal(_) | X::Number(_) => None,
        X::Negate(inner) => first_variable(inner),
        X::Binary(_, a, b) => first_variable(a).or_else(|| first_variable(b)),
        X::Call(_, args) => args.iter().find_map(first_variable),
        X::Filter(primary, predicates) => {
            first_variable(primary).or_else(|| predicates.iter().find_map(first_variable))
        }
        X::Path(path) => match &path.start {
            PathStart::Expr(start) => first_variable(start).or_else(|| in_steps(&path.steps)),
            _ => in_steps(&path.steps),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn valid_literals_are_compiled_and_invalid_ones_reported() {
        let mut errors = Errors::default();
        let mut block: syn::Block = parse_quote!({
            let a = response.css("div.quote");
            let b = response.css("div[");
            let c = response.css(dynamic);
        });
        check_and_compile(&mut block, &mut errors);
        let text = block.to_token_stream().to_string();
        assert_eq!(text.matches("css_query").count(), 1, "{text}");
        assert!(text.contains("css (dynamic)"), "{text}");
        assert!(errors.finish().is_err());
    }

    #[test]
    fn literal_xpaths_are_compiled_and_invalid_ones_reported() {
        let mut errors = Errors::default();
        let mut block: syn::Block = parse_quote!({
            let a = response.xpath("//div[@class='quote']");
            let b = response.xpath("//div[");
            let c = response.xpath("//div[@id=$id]");
            let d = response.xpath(dynamic);
        });
        check_and_compile(&mut block, &mut errors);
        let text = block.to_token_stream().to_string();
        assert_eq!(text.matches("xpath_query").count(), 1, "{text}");
        assert!(text.contains("xpath (dynamic)"), "{text}");
        assert_eq!(errors.len(), 2);
    }
}

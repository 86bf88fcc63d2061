//! Literal CSS queries in callback bodies: parsed while compiling with crawl-core's own
//! grammar, and compiled once at run time.

use quote::{quote_spanned, ToTokens};
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprLit, ExprMethodCall, Lit};

use crate::errors::Errors;
use crate::{core_path, grammar};

/// Checks every `.css("literal")` in `block`, reporting invalid queries at the literal, and
/// rewrites valid ones to `.css_query(<a query compiled once>)`.
pub(crate) fn check_and_compile(block: &mut syn::Block, errors: &mut Errors) {
    let mut compiler = Compiler { errors };
    compiler.visit_block_mut(block);
}

struct Compiler<'a> {
    errors: &'a mut Errors,
}

impl VisitMut for Compiler<'_> {
    fn visit_expr_method_call_mut(&mut self, call: &mut ExprMethodCall) {
        visit_mut::visit_expr_method_call_mut(self, call);
        if call.method != "css" || call.args.len() != 1 {
            return;
        }
        let Some(Expr::Lit(ExprLit {
            lit: Lit::Str(query),
            ..
        })) = call.args.first()
        else {
            return;
        };
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
}

//! `#[on(...)]`'s arguments and item: the signal's name, `crate = path`, the fn.

use proc_macro2::{TokenStream, TokenTree};
use syn::{Ident, ItemFn, Path};

use super::{SignalSpec, SIGNALS};
use crate::errors::{did_you_mean, list, Errors};

/// The signal named by `#[on(NAME)]`'s tokens (after [`split_args`] for a free fn; as
/// written for a method of a `#[spider]` impl, whose `crate = path` is the spider's).
pub(crate) fn parse_signal(
    tokens: TokenStream,
    errors: &mut Errors,
) -> Option<&'static SignalSpec> {
    let ident: Ident = match syn::parse2(tokens.clone()) {
        Ok(ident) => ident,
        Err(_)
            if tokens
                .clone()
                .into_iter()
                .any(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) =>
        {
            errors.push(
                tokens,
                "a handler of a `#[spider]` impl takes only its signal, `#[on(spider_opened)]`; `crate = ...` goes on the `#[spider(...)]`",
            );
            return None;
        }
        Err(_) => {
            errors.push(
                tokens,
                format!(
                    "expected a signal name, one of {}",
                    list(SIGNALS.iter().map(|s| s.name))
                ),
            );
            return None;
        }
    };
    let name = ident.to_string();
    let found = SIGNALS.iter().find(|s| s.name == name);
    if found.is_none() {
        errors.push(
            &ident,
            format!(
                "unknown signal `{name}`: expected one of {}{}",
                list(SIGNALS.iter().map(|s| s.name)),
                did_you_mean(&name, SIGNALS.iter().map(|s| s.name))
            ),
        );
    }
    found
}

/// `signal` or `signal, crate = path`: the signal's tokens, and the path if given.
pub(super) fn split_args(args: TokenStream, errors: &mut Errors) -> (TokenStream, Option<Path>) {
    let mut tokens = args.into_iter();
    let signal: TokenStream = tokens
        .by_ref()
        .take_while(|token| !matches!(token, TokenTree::Punct(p) if p.as_char() == ','))
        .collect();
    let mut krate = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("crate") && krate.is_none() {
            krate = Some(crate::args::parse_crate_path(&meta)?);
            Ok(())
        } else {
            Err(meta.error("expected `crate = path` (once) after the signal"))
        }
    });
    if let Err(error) = syn::parse::Parser::parse2(parser, tokens.collect()) {
        errors.push_error(error);
    }
    (signal, krate)
}

/// The fn `#[on]` goes on.
pub(super) fn function(item: TokenStream) -> syn::Result<ItemFn> {
    syn::parse2(item.clone()).map_err(|_| {
        syn::Error::new_spanned(
            item,
            "`#[on(signal)]` goes on an async fn (or a method of a `#[spider]` impl)",
        )
    })
}

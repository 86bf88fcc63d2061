//! The validate stage: one function per rule a spider must follow, each reporting at the
//! token to change, and the checked model the expand stage writes code from. The rules of the
//! methods the engine calls are in [`super::methods`].

use syn::{Expr, ExprLit, ImplItem, Lit};

use super::methods;
use super::parse::SpiderDef;
use crate::errors::{did_you_mean, Errors};
use crate::on::HandlerDef;
use crate::{callbacks, generator, patterns, selectors};
use crawl_dsl::keys::{self, SETTINGS};

/// A checked spider: what its parsed model lacks to be written out.
pub(crate) struct CheckedSpider {
    /// Each `#[on(signal)]` method's index among the impl's items and its checked handler.
    pub(crate) handlers: Vec<(usize, HandlerDef)>,
}

/// Checks every rule, recording each violation, and returns the checked model.
pub(crate) fn validate(spider: &SpiderDef, errors: &mut Errors) -> CheckedSpider {
    name(spider, errors);
    start_urls(spider, errors);
    allowed_domains(spider, errors);
    arg_names(spider, errors);
    settings(spider, errors);
    plain_impl(spider, errors);
    for callback in &spider.callbacks {
        methods::callback_signature(spider, callback, errors);
    }
    for errback in &spider.errbacks {
        methods::errback_signature(spider, errback, errors);
    }
    if let Some(start) = &spider.start_requests {
        methods::start_requests_signature(spider, start, errors);
    }
    methods::one_start_hook(spider, errors);
    methods::has_parse(spider, errors);
    let handlers = signal_handlers(spider, errors);
    bodies(spider, errors);
    CheckedSpider { handlers }
}

/// Checks each `#[on(signal)]` method against its signal.
fn signal_handlers(spider: &SpiderDef, errors: &mut Errors) -> Vec<(usize, HandlerDef)> {
    let mut out = Vec::new();
    for (index, tokens) in &spider.handlers {
        let Some(signal) = crate::on::parse_signal(tokens.clone(), errors) else {
            continue;
        };
        if let Some(def) = crate::on::check(signal, &spider.method(*index).sig, true, errors) {
            out.push((*index, def));
        }
    }
    out
}

/// Checks every method body: literal selectors and patterns, and the callbacks and errbacks
/// it names (a generator's `yield_!` read as `yield` first, as the expansion will).
fn bodies(spider: &SpiderDef, errors: &mut Errors) {
    let known = spider.known();
    let generators = spider.generators();
    for (index, impl_item) in spider.item.items.iter().enumerate() {
        let ImplItem::Fn(method) = impl_item else {
            continue;
        };
        let mut block = method.block.clone();
        if generators.contains(&index) {
            generator::to_yield_exprs(&mut block);
        }
        selectors::check(&block, errors);
        patterns::check(&block, errors);
        callbacks::check(&block, &known, errors);
    }
}

/// The name is given, and is a word: letters, digits, `_` and `-`.
fn name(spider: &SpiderDef, errors: &mut Errors) {
    match &spider.args.name {
        None => errors.push(
            &spider.item.self_ty,
            "a spider needs a name: `#[spider(name = \"...\")]`",
        ),
        Some(name) => {
            let text = name.value();
            if text.is_empty()
                || !text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                errors.push(
                    name,
                    format!("invalid spider name `{text}`: use letters, digits, `_` and `-`"),
                );
            }
        }
    }
}

/// Each start URL parses as an absolute http or https URL.
fn start_urls(spider: &SpiderDef, errors: &mut Errors) {
    let Some(list) = &spider.args.start_urls else {
        return;
    };
    for literal in &list.items {
        let text = literal.value();
        match url::Url::parse(&text) {
            Ok(url) if url.scheme() == "http" || url.scheme() == "https" => {}
            Ok(url) => errors.push(
                literal,
                format!(
                    "start URL `{text}` has scheme `{}`; expected `http` or `https`",
                    url.scheme()
                ),
            ),
            Err(error) => errors.push(
                literal,
                format!("invalid start URL `{text}`: {error}; expected an absolute `http` or `https` URL such as `https://example.com/`"),
            ),
        }
    }
}

/// Allowed domains are bare domains, not URLs.
fn allowed_domains(spider: &SpiderDef, errors: &mut Errors) {
    let Some(list) = &spider.args.allowed_domains else {
        return;
    };
    for literal in &list.items {
        let text = literal.value();
        if text.contains("://") || text.contains('/') || text.is_empty() {
            errors.push(
                literal,
                format!("`allowed_domains` takes domains such as `example.com`, not `{text}`"),
            );
        }
    }
}

/// Declared arguments are identifiers and do not redeclare the built-in `start_url`.
fn arg_names(spider: &SpiderDef, errors: &mut Errors) {
    let Some(list) = &spider.args.args else {
        return;
    };
    for literal in &list.items {
        let text = literal.value();
        if text == "start_url" {
            errors.push(
                literal,
                "`start_url` is built in: every spider accepts `-a start_url=URL`; expected only the spider's own arguments in `args`",
            );
        } else if text.is_empty() || !text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            errors.push(
                literal,
                format!("invalid argument name `{text}`: use letters, digits and `_`"),
            );
        }
    }
}

/// Each built-in setting key is known and its value is a literal of the setting's type.
fn settings(spider: &SpiderDef, errors: &mut Errors) {
    let Some((_, settings)) = &spider.args.settings else {
        return;
    };
    // A component's setting (`Type::field`) is checked by rustc where it expands: its type
    // must have the field, and the value the field's type.
    for setting in settings.iter().filter(|s| s.component.is_none()) {
        let key = setting.key.to_string();
        let Some(known) = keys::find(&key) else {
            errors.push(
                &setting.key,
                format!(
                    "unknown setting `{key}`: settings are Scrapy's names in lowercase, such as `concurrent_requests` or `download_delay`{}",
                    did_you_mean(&key, SETTINGS.iter().map(|s| s.field))
                ),
            );
            continue;
        };
        if let Some(expected) = value_mismatch(known.ty, &setting.value) {
            errors.push(&setting.value, format!("setting `{key}` takes {expected}"));
        }
    }
}

/// What the value should have been, if it does not fit the type.
fn value_mismatch(ty: &str, value: &Expr) -> Option<&'static str> {
    let lit = match value {
        Expr::Lit(ExprLit { lit, .. }) => Some(lit),
        Expr::Unary(unary) => match &*unary.expr {
            Expr::Lit(ExprLit {
                lit: lit @ Lit::Int(_),
                ..
            }) if ty == "i32" => Some(lit),
            Expr::Lit(ExprLit {
                lit: lit @ Lit::Float(_),
                ..
            }) if ty == "f64" => Some(lit),
            _ => None,
        },
        _ => None,
    };
    let ty = ty.replace(' ', "");
    let fits = match ty.as_str() {
        "usize" | "u32" | "u64" | "u16" | "i32" => matches!(lit, Some(Lit::Int(_))),
        "f64" => matches!(lit, Some(Lit::Int(_) | Lit::Float(_))),
        "bool" => matches!(lit, Some(Lit::Bool(_))),
        "String" => matches!(lit, Some(Lit::Str(_))),
        "Vec<String>" => is_array_of(value, |lit| matches!(lit, Lit::Str(_))),
        "Vec<u16>" => is_array_of(value, |lit| matches!(lit, Lit::Int(_))),
        // Maps (pipelines, middlewares, headers) are given as JSON text, parsed at start-up.
        "ComponentOrders" | "StringMap" => matches!(lit, Some(Lit::Str(_))),
        _ => false,
    };
    if fits {
        return None;
    }
    Some(match ty.as_str() {
        "usize" | "u32" | "u64" | "u16" => "a non-negative integer literal",
        "i32" => "an integer literal",
        "f64" => "a number literal",
        "bool" => "`true` or `false`",
        "String" => "a string literal",
        "Vec<String>" => "an array of string literals",
        "Vec<u16>" => "an array of integer literals",
        "ComponentOrders" => {
            "a JSON object as a string literal, such as r#\"{\"MyPipeline\": null}\"#"
        }
        "StringMap" => "a JSON object of strings as a string literal",
        _ => "a value that can only be set at run time (`-s NAME=value`)",
    })
}

fn is_array_of(value: &Expr, fits: impl Fn(&Lit) -> bool) -> bool {
    match value {
        Expr::Array(array) => array
            .elems
            .iter()
            .all(|e| matches!(e, Expr::Lit(ExprLit { lit, .. }) if fits(lit))),
        _ => false,
    }
}

/// A spider is an inherent impl of a concrete type.
fn plain_impl(spider: &SpiderDef, errors: &mut Errors) {
    let item = &spider.item;
    if let Some((_, path, _)) = &item.trait_ {
        errors.push(path, "`#[spider]` goes on an inherent impl block (`impl MySpider { ... }`), not a trait impl");
    }
    if !item.generics.params.is_empty() {
        errors.push(
            &item.generics,
            "a spider cannot be generic: the engine builds it by name; expected a concrete type such as `impl MySpider`",
        );
    }
}

#[cfg(test)]
mod tests {
    use quote::{quote, ToTokens};
    use syn::{parse_quote, ItemImpl};

    use super::*;
    use crate::args::SpiderArgs;

    /// The spider `item` with attribute arguments `args`, checked: the model and the messages.
    fn checked(
        args: proc_macro2::TokenStream,
        item: ItemImpl,
    ) -> (SpiderDef, CheckedSpider, Vec<String>) {
        let mut errors = Errors::default();
        let args = SpiderArgs::parse(args, &mut errors);
        let spider = SpiderDef::new(item, args, None);
        let checked = validate(&spider, &mut errors);
        (spider, checked, errors.messages())
    }

    #[test]
    fn a_valid_spider_has_no_errors_and_its_handlers_are_checked() {
        let (_, checked, errors) = checked(
            quote!(
                name = "quotes",
                start_urls = ["https://quotes.toscrape.com/"]
            ),
            parse_quote! {
                impl Quotes {
                    async fn parse(&self, response: Response) {
                        for href in response.css("li.next a::attr(href)").getall() {
                            yield_!(response.follow(href, Self::parse));
                        }
                    }

                    #[on(spider_closed)]
                    async fn closed(&self, reason: &str) {}
                }
            },
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(checked.handlers.len(), 1);
        assert_eq!(checked.handlers[0].0, 1);
    }

    #[test]
    fn settings_keys_and_literal_types_are_checked() {
        let (_, _, errors) = checked(
            quote!(
                name = "s",
                settings(
                    concurent_requests = 2,
                    download_delay = "soon",
                    robotstxt_obey = false
                )
            ),
            parse_quote! {
                impl S {
                    async fn parse(&self, response: Response) {}
                }
            },
        );
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].starts_with("unknown setting `concurent_requests`")
                && errors[0].ends_with("(did you mean `concurrent_requests`?)"),
            "{errors:?}"
        );
        assert_eq!(errors[1], "setting `download_delay` takes a number literal");
    }

    #[test]
    fn bodies_are_checked_in_order_and_left_as_written() {
        let item: ItemImpl = parse_quote! {
            impl S {
                async fn parse(&self, response: Response) {
                    let quotes = response.css("div[");
                    yield_!(response.follow("/next", Self::pars));
                }
            }
        };
        let before = item.to_token_stream().to_string();
        let (spider, _, errors) = checked(quote!(name = "s"), item);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("div["), "{errors:?}");
        assert_eq!(
            errors[1],
            "unknown callback `Self::pars`: the callbacks of this spider are `parse` (did you mean `parse`?)"
        );
        // Validation writes no code: the expand stage compiles and names.
        assert_eq!(spider.item.to_token_stream().to_string(), before);
    }

    #[test]
    fn method_rules_and_signal_handlers_are_reported_after_the_attribute() {
        let (_, checked, errors) = checked(
            quote!(name = "bad name"),
            parse_quote! {
                impl S {
                    fn parse(&self, response: Response) {}

                    #[on(spider_closed)]
                    async fn closed(&self, reason: String) {}
                }
            },
        );
        assert!(checked.handlers.is_empty());
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].starts_with("invalid spider name `bad name`"),
            "{errors:?}"
        );
        assert!(
            errors[1].starts_with("callback `parse` must be an `async fn`"),
            "{errors:?}"
        );
        assert!(
            errors[2].starts_with("expected `reason: &str` here;"),
            "{errors:?}"
        );
    }
}

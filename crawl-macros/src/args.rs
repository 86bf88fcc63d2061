//! `key = value` arguments of an attribute: each keyword kept with its value for spans,
//! duplicates and unknown keys reported.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::{Expr, ExprArray, Ident, Lit, LitStr, Path};

use crate::errors::{did_you_mean, list, Errors};

/// A list of string literals.
pub(crate) struct StrList {
    pub(crate) items: Vec<LitStr>,
}

/// One `key = value` inside `settings(...)`: a built-in setting (`concurrent_requests = 4`)
/// or a field of a component's settings type (`MyPipeSettings::batch_size = 20`).
pub(crate) struct SettingArg {
    /// The built-in setting, or the field of `component`.
    pub(crate) key: Ident,
    /// The component's settings type, for `Type::field`.
    pub(crate) component: Option<syn::Path>,
    pub(crate) value: Expr,
}

/// The arguments of `#[spider(...)]`.
#[derive(Default)]
pub(crate) struct SpiderArgs {
    pub(crate) name: Option<LitStr>,
    pub(crate) start_urls: Option<StrList>,
    pub(crate) allowed_domains: Option<StrList>,
    pub(crate) args: Option<StrList>,
    pub(crate) settings: Option<(Ident, Vec<SettingArg>)>,
    /// `crate = path`: the path to crawl-core, when it is renamed.
    pub(crate) krate: Option<Path>,
}

const SPIDER_KEYS: &[&str] = &[
    "name",
    "start_urls",
    "allowed_domains",
    "args",
    "settings",
    "crate",
];

impl SpiderArgs {
    /// Parses the attribute's tokens, recording every problem in `errors`.
    pub(crate) fn parse(tokens: TokenStream, errors: &mut Errors) -> Self {
        let mut parsed = SpiderArgs::default();
        let parser = syn::meta::parser(|meta| parsed.parse_one(meta, errors));
        if let Err(error) = syn::parse::Parser::parse2(parser, tokens) {
            errors.push_error(error);
        }
        parsed
    }

    fn parse_one(&mut self, meta: ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<()> {
        let Some(key) = meta.path.get_ident().cloned() else {
            return Err(meta.error(format!(
                "expected one of {}",
                list(SPIDER_KEYS.iter().copied())
            )));
        };
        let duplicate = |errors: &mut Errors| duplicate_argument(&key, errors);
        match key.to_string().as_str() {
            "name" => {
                let value: LitStr = meta.value()?.parse()?;
                if self.name.replace(value).is_some() {
                    duplicate(errors);
                }
            }
            "start_urls" | "allowed_domains" | "args" => {
                let items = parse_str_list(&meta, errors)?;
                let slot = match key.to_string().as_str() {
                    "start_urls" => &mut self.start_urls,
                    "allowed_domains" => &mut self.allowed_domains,
                    _ => &mut self.args,
                };
                if slot.replace(StrList { items }).is_some() {
                    duplicate(errors);
                }
            }
            "crate" => {
                if self.krate.replace(parse_crate_path(&meta)?).is_some() {
                    duplicate(errors);
                }
            }
            "settings" => {
                let mut settings = Vec::new();
                meta.parse_nested_meta(|inner| {
                    let (component, setting) = split_setting_path(&inner.path).ok_or_else(|| {
                        inner.error("expected a setting name such as `concurrent_requests`, or a field of a component's settings type such as `MyPipeSettings::batch_size`")
                    })?;
                    let value: Expr = inner.value()?.parse()?;
                    let same = |s: &SettingArg| {
                        s.key == setting
                            && s.component.as_ref().map(|p| p.to_token_stream().to_string())
                                == component.as_ref().map(|p| p.to_token_stream().to_string())
                    };
                    if settings.iter().any(same) {
                        errors.push(
                            &inner.path,
                            format!(
                                "duplicate setting `{}`; expected each setting once",
                                inner.path.to_token_stream().to_string().replace(' ', "")
                            ),
                        );
                    }
                    settings.push(SettingArg {
                        key: setting,
                        component,
                        value,
                    });
                    Ok(())
                })?;
                if self.settings.replace((key.clone(), settings)).is_some() {
                    duplicate(errors);
                }
            }
            _ => {
                unknown_argument(&key, SPIDER_KEYS, errors);
                // Skip the value so later arguments are still checked.
                if meta.input.peek(syn::Token![=]) {
                    let _: Expr = meta.value()?.parse()?;
                } else if meta.input.peek(syn::token::Paren) {
                    let _group: proc_macro2::Group = meta.input.parse()?;
                }
            }
        }
        Ok(())
    }
}

/// A setting key: `name` (built in), or `Type::field` (a component's), the type's path then
/// the field; `None` for anything else.
fn split_setting_path(path: &syn::Path) -> Option<(Option<syn::Path>, Ident)> {
    if let Some(ident) = path.get_ident() {
        return Some((None, ident.clone()));
    }
    let mut ty = path.clone();
    let field = ty.segments.pop()?.into_value();
    ty.segments.pop_punct();
    (field.arguments.is_none() && !ty.segments.is_empty()).then_some((Some(ty), field.ident))
}

/// Records that the argument `key` was given twice, on its second occurrence.
fn duplicate_argument(key: &Ident, errors: &mut Errors) {
    errors.push(
        key,
        format!("duplicate `{key}` argument; expected each argument once"),
    );
}

/// Records that `key` is none of `keys`, suggesting the nearest.
fn unknown_argument(key: &Ident, keys: &[&str], errors: &mut Errors) {
    let other = key.to_string();
    errors.push(
        key,
        format!(
            "unknown argument `{other}`: expected one of {}{}",
            list(keys.iter().copied()),
            did_you_mean(&other, keys.iter().copied()),
        ),
    );
}

/// `["a", "b"]`: every element must be a string literal.
fn parse_str_list(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Vec<LitStr>> {
    let array: ExprArray = meta.value()?.parse()?;
    let mut items = Vec::new();
    for element in array.elems {
        match element {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(text),
                ..
            }) => items.push(text),
            other => errors.push(other, "expected a string literal"),
        }
    }
    Ok(items)
}

/// `crate = path` (or `crate = "path"`, as serde's `#[serde(crate = "...")]`): the path to
/// crawl-core in a crate that renames it.
pub(crate) fn parse_crate_path(meta: &ParseNestedMeta<'_>) -> syn::Result<Path> {
    let value = meta.value()?;
    if value.peek(LitStr) {
        value.parse::<LitStr>()?.parse()
    } else {
        value.parse()
    }
}

/// The arguments of `#[pipeline(...)]` and `#[middleware(...)]`: `order = N`, `name = "..."`,
/// `crate = path`, and for a middleware fn `hook = process_request`.
#[derive(Default)]
pub(crate) struct ComponentArgs {
    pub(crate) order: Option<syn::LitInt>,
    pub(crate) name: Option<LitStr>,
    /// `hook = name`: the hook a middleware fn implements, when the fn is named otherwise.
    pub(crate) hook: Option<Ident>,
    /// `crate = path`: the path to crawl-core, when it is renamed.
    pub(crate) krate: Option<Path>,
}

/// The keys of `#[pipeline(...)]`.
pub(crate) const PIPELINE_KEYS: &[&str] = &["order", "name", "crate"];
/// The keys of `#[middleware(...)]`.
pub(crate) const MIDDLEWARE_KEYS: &[&str] = &["order", "name", "hook", "crate"];

impl ComponentArgs {
    /// Parses the attribute's tokens, accepting `keys`, recording every problem in `errors`.
    pub(crate) fn parse(tokens: TokenStream, keys: &[&str], errors: &mut Errors) -> Self {
        let mut parsed = ComponentArgs::default();
        let parser = syn::meta::parser(|meta| {
            let Some(key) = meta.path.get_ident().cloned() else {
                return Err(meta.error(format!("expected one of {}", list(keys.iter().copied()))));
            };
            let duplicate = |errors: &mut Errors| duplicate_argument(&key, errors);
            match key.to_string().as_str() {
                "order" => {
                    let value: syn::LitInt = meta.value()?.parse()?;
                    if value.base10_parse::<i32>().is_err() {
                        errors.push(&value, "`order` takes an integer such as `300`");
                    }
                    if parsed.order.replace(value).is_some() {
                        duplicate(errors);
                    }
                }
                "name" => {
                    let value: LitStr = meta.value()?.parse()?;
                    if parsed.name.replace(value).is_some() {
                        duplicate(errors);
                    }
                }
                "hook" if keys.contains(&"hook") => {
                    let value: Ident = meta.value()?.parse()?;
                    if parsed.hook.replace(value).is_some() {
                        duplicate(errors);
                    }
                }
                "crate" => {
                    if parsed.krate.replace(parse_crate_path(&meta)?).is_some() {
                        duplicate(errors);
                    }
                }
                _ => {
                    unknown_argument(&key, keys, errors);
                    let _: Expr = meta.value()?.parse()?;
                }
            }
            Ok(())
        });
        if let Err(error) = syn::parse::Parser::parse2(parser, tokens) {
            errors.push_error(error);
        }
        parsed
    }

    /// The order, or `default`.
    pub(crate) fn order_or(&self, default: i32) -> i32 {
        self.order
            .as_ref()
            .and_then(|lit| lit.base10_parse().ok())
            .unwrap_or(default)
    }
}

//! `#[derive(Settings)]`: a struct of a component's own settings, each field one setting named
//! `PREFIX_FIELD`, with its default (`#[setting(default = 10)]`) and its doc comment. It
//! implements `Default` and `ComponentSettings`, and registers the settings so that `-s`, the
//! environment and `crawl settings` know them.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Expr, ExprLit, Fields, Lit, LitStr};

use crate::errors::Errors;

/// The container's `#[settings(prefix = "...", crate = path)]`.
#[derive(Default)]
struct Container {
    prefix: Option<LitStr>,
    krate: Option<syn::Path>,
}

fn container(input: &DeriveInput, errors: &mut Errors) -> Container {
    let mut parsed = Container::default();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("settings")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("prefix") {
                let prefix: LitStr = meta.value()?.parse()?;
                let text = prefix.value();
                if text.is_empty()
                    || !text
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                {
                    errors.push(&prefix, format!("invalid prefix `{text}`: use upper-case letters, digits and `_`, as in `MYPIPE`"));
                }
                parsed.prefix = Some(prefix);
            } else if meta.path.is_ident("crate") {
                parsed.krate = Some(crate::args::parse_crate_path(&meta)?);
            } else {
                return Err(meta.error("expected `prefix = \"...\"` or `crate = path`"));
            }
            Ok(())
        });
        if let Err(error) = result {
            errors.push_error(error);
        }
    }
    parsed
}

/// A field's `#[setting(default = value)]`, if any.
fn default_of(field: &syn::Field, errors: &mut Errors) -> Option<Expr> {
    let mut default = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("setting")) {
        let result = attr.parse_nested_meta(|meta| {
            if !meta.path.is_ident("default") {
                return Err(meta.error("expected `default = value`"));
            }
            default = Some(meta.value()?.parse::<Expr>()?);
            Ok(())
        });
        if let Err(error) = result {
            errors.push_error(error);
        }
    }
    default
}

/// The doc comment's lines.
fn doc_of(field: &syn::Field) -> String {
    let lines: Vec<String> = field
        .attrs
        .iter()
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(text),
                    ..
                }) => Some(text.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    lines.join("\n")
}

/// Expands `#[derive(Settings)]`.
pub(crate) fn expand(item: TokenStream) -> TokenStream {
    let input = match syn::parse2::<DeriveInput>(item) {
        Ok(input) => input,
        Err(error) => return error.into_compile_error(),
    };
    let mut errors = Errors::default();
    let container = container(&input, &mut errors);
    let _crate = crate::core_path::use_crate(container.krate.clone());
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => named.named.iter().collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    if fields.is_empty() {
        errors.push(
            &input.ident,
            "`#[derive(Settings)]` goes on a struct with named fields, one per setting",
        );
    }
    if !input.generics.params.is_empty() {
        errors.push(
            &input.generics,
            "a settings type cannot be generic: its settings are registered by name",
        );
    }
    let prefix = container.prefix.as_ref().map(LitStr::value);
    let private = crate::core_path::private();
    let ty = &input.ident;
    let mut defaults = Vec::new();
    let mut rows = Vec::new();
    let mut reads = Vec::new();
    let mut helpers = Vec::new();
    for (index, field) in fields.iter().enumerate() {
        let Some(ident) = &field.ident else { continue };
        let field_ty = &field.ty;
        let upper = ident.to_string().trim_start_matches("r#").to_uppercase();
        let name = match &prefix {
            Some(prefix) => format!("{prefix}_{upper}"),
            None => upper,
        };
        if crawl_dsl::keys::SETTINGS.iter().any(|s| s.name == name) {
            errors.push(
                ident,
                format!("`{name}` is a built-in setting; give the type a `#[settings(prefix = \"...\")]` or rename the field"),
            );
        }
        let default = match default_of(field, &mut errors) {
            // A string literal for a `String` (or any type built from `&str`).
            Some(Expr::Lit(ExprLit {
                lit: Lit::Str(text),
                ..
            })) => quote!(#private::std::convert::Into::into(#text)),
            Some(expr) => quote!(#expr),
            None => quote!(#private::std::default::Default::default()),
        };
        defaults.push(quote!(#ident: #default));
        let (default_fn, check_fn) = (
            format_ident!("__crawl_default_{index}"),
            format_ident!("__crawl_check_{index}"),
        );
        helpers.push(quote! {
            fn #default_fn() -> #private::std::string::String {
                #private::SettingValue::render_setting(&<#ty as #private::std::default::Default>::default().#ident)
            }
            fn #check_fn(text: &str) -> #private::std::result::Result<(), &'static str> {
                #private::check_component_value::<#field_ty>(text)
            }
        });
        let (field_name, ty_text, doc) = (
            ident.to_string(),
            quote!(#field_ty).to_string().replace(' ', ""),
            doc_of(field),
        );
        rows.push(quote! {
            #private::ComponentSetting {
                name: #name,
                field: #field_name,
                ty: #ty_text,
                doc: #doc,
                default: #default_fn,
                check: #check_fn,
            }
        });
        reads.push(quote! {
            if let #private::std::option::Option::Some(value) =
                #private::component_field::<#field_ty>(settings, #name)
            {
                out.#ident = value;
            }
        });
    }
    if let Err(error) = errors.finish() {
        return error.into_compile_error();
    }
    let type_name = ty.to_string();
    quote! {
        #[automatically_derived]
        impl #private::std::default::Default for #ty {
            fn default() -> Self {
                #ty { #(#defaults),* }
            }
        }

        const _: () = {
            #(#helpers)*

            #[automatically_derived]
            impl #private::ComponentSettings for #ty {
                const SETTINGS: &'static [#private::ComponentSetting] = &[#(#rows),*];

                fn from_settings(settings: &#private::Settings) -> Self {
                    let mut out = <#ty as #private::std::default::Default>::default();
                    #(#reads)*
                    out
                }
            }

            #private::inventory::submit! {
                #private::ComponentSettingsEntry {
                    type_name: #type_name,
                    settings: <#ty as #private::ComponentSettings>::SETTINGS,
                }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use quote::quote;

    use super::expand;

    fn errors_of(item: TokenStream) -> String {
        let out = expand(item).to_string();
        assert!(out.contains("compile_error"), "{out}");
        out
    }

    #[test]
    fn names_are_prefix_and_field_and_defaults_convert_string_literals() {
        let out = expand(quote! {
            #[settings(prefix = "MYPIPE")]
            struct MyPipeSettings {
                /// Items per batch.
                #[setting(default = 10)]
                batch_size: usize,
                #[setting(default = "out")]
                folder: String,
            }
        })
        .to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("\"MYPIPE_BATCH_SIZE\""), "{out}");
        assert!(out.contains("\"Items per batch.\""), "{out}");
        assert!(out.contains("batch_size : 10"), "{out}");
        assert!(out.contains("Into :: into (\"out\")"), "{out}");
    }

    #[test]
    fn only_structs_with_named_fields_and_valid_prefixes() {
        let out = errors_of(quote!(
            struct S(u32);
        ));
        assert!(out.contains("goes on a struct with named fields"), "{out}");
        let out = errors_of(quote! {
            #[settings(prefix = "my-pipe")]
            struct S { size: usize }
        });
        assert!(out.contains("invalid prefix `my-pipe`"), "{out}");
        let out = errors_of(quote! {
            struct S { concurrent_requests: usize }
        });
        assert!(
            out.contains("`CONCURRENT_REQUESTS` is a built-in setting"),
            "{out}"
        );
    }
}

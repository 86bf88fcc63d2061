//! `#[derive(Serialize)]` and `#[derive(Deserialize)]` for users who depend on crawl-core alone.
//!
//! serde's own derives name the `serde` crate, which a user's crate may not have. These
//! derives copy the type's shape (fields, variants and `#[serde(...)]` attributes only) into a
//! hidden twin marked `#[serde(remote = "Type", crate = "::crawl_core::__private::serde")]`,
//! let serde's derive write the code for the twin, and implement the trait for the real type
//! by calling it. Every serde attribute works as with serde's derive.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Attribute, Data, DeriveInput, Fields};

use crate::core_path::private;

/// Which of serde's two traits to implement.
#[derive(Clone, Copy)]
pub(crate) enum Trait {
    /// `serde::Serialize`.
    Serialize,
    /// `serde::Deserialize<'de>`.
    Deserialize,
}

/// The derive's output: the twin, serde's derive on it, and the forwarding impl.
pub(crate) fn expand(input: TokenStream, which: Trait) -> TokenStream {
    let parsed = syn::parse2::<DeriveInput>(input)
        .and_then(|input| crate_path(&input).map(|krate| (input, krate)));
    match parsed {
        Ok((input, krate)) => {
            let _crate = crate::core_path::use_crate(krate);
            expand_input(&input, which)
        }
        Err(error) => error.into_compile_error(),
    }
}

/// The `#[crawl(crate = path)]` of a type in a crate that renames crawl-core.
fn crate_path(input: &DeriveInput) -> syn::Result<Option<syn::Path>> {
    let mut krate = None;
    for attr in input
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("crawl"))
    {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") && krate.is_none() {
                krate = Some(crate::args::parse_crate_path(&meta)?);
                Ok(())
            } else {
                Err(meta.error("expected `crate = path` (once): `#[crawl(crate = my_crawl)]`"))
            }
        })?;
    }
    Ok(krate)
}

fn expand_input(input: &DeriveInput, which: Trait) -> TokenStream {
    let private = private();
    let serde_path = format!("{private}::serde").replace(' ', "");
    let name = &input.ident;
    let twin_name = format_ident!("__CrawlSerde{}", name);
    let twin = twin(input, &twin_name);
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    // serde puts the twin's generic parameters on the remote type itself.
    let remote = name.to_string();
    let type_params: Vec<_> = input.generics.type_params().map(|p| &p.ident).collect();
    let mut where_clause = where_clause
        .cloned()
        .unwrap_or_else(|| syn::parse_quote!(where));
    let (derive, forward) = match which {
        Trait::Serialize => {
            for param in &type_params {
                where_clause
                    .predicates
                    .push(syn::parse_quote!(#param: #private::serde::Serialize));
            }
            let forward = quote! {
                impl #impl_generics #private::serde::Serialize for #name #type_generics #where_clause {
                    fn serialize<__S>(&self, serializer: __S) -> #private::std::result::Result<__S::Ok, __S::Error>
                    where
                        __S: #private::serde::Serializer,
                    {
                        #twin_name::serialize(self, serializer)
                    }
                }
            };
            (quote!(#private::serde::Serialize), forward)
        }
        Trait::Deserialize => {
            for param in &type_params {
                where_clause
                    .predicates
                    .push(syn::parse_quote!(#param: #private::serde::Deserialize<'de>));
            }
            let mut generics = input.generics.clone();
            generics.params.insert(0, syn::parse_quote!('de));
            let (de_impl_generics, _, _) = generics.split_for_impl();
            let forward = quote! {
                impl #de_impl_generics #private::serde::Deserialize<'de> for #name #type_generics #where_clause {
                    fn deserialize<__D>(deserializer: __D) -> #private::std::result::Result<Self, __D::Error>
                    where
                        __D: #private::serde::Deserializer<'de>,
                    {
                        #twin_name::deserialize(deserializer)
                    }
                }
            };
            (quote!(#private::serde::Deserialize), forward)
        }
    };
    quote! {
        #[doc(hidden)]
        const _: () = {
            #[derive(#derive)]
            #[serde(crate = #serde_path, remote = #remote)]
            #[allow(dead_code, non_camel_case_types)]
            #twin
            #forward
        };
    }
}

/// The type's shape under `twin_name`: generics, fields and variants, serde attributes only.
fn twin(input: &DeriveInput, twin_name: &syn::Ident) -> TokenStream {
    let attrs = serde_attrs(&input.attrs);
    let generics = &input.generics;
    let where_clause = &generics.where_clause;
    match &input.data {
        Data::Struct(data) => {
            let fields = fields(&data.fields);
            match data.fields {
                Fields::Named(_) => {
                    quote!(#(#attrs)* struct #twin_name #generics #where_clause #fields)
                }
                _ => quote!(#(#attrs)* struct #twin_name #generics #fields #where_clause;),
            }
        }
        Data::Enum(data) => {
            let variants = data.variants.iter().map(|variant| {
                let attrs = serde_attrs(&variant.attrs);
                let ident = &variant.ident;
                let fields = fields(&variant.fields);
                let discriminant = variant
                    .discriminant
                    .as_ref()
                    .map(|(eq, value)| quote!(#eq #value));
                quote!(#(#attrs)* #ident #fields #discriminant)
            });
            quote!(#(#attrs)* enum #twin_name #generics #where_clause { #(#variants,)* })
        }
        Data::Union(data) => syn::Error::new_spanned(
            data.union_token,
            "crawl's serde derives take structs and enums",
        )
        .into_compile_error(),
    }
}

/// Fields with their types and serde attributes (visibility and other attributes dropped).
fn fields(fields: &Fields) -> TokenStream {
    let each = fields.iter().map(|field| {
        let attrs = serde_attrs(&field.attrs);
        let ty = &field.ty;
        match &field.ident {
            Some(ident) => quote!(#(#attrs)* #ident: #ty),
            None => quote!(#(#attrs)* #ty),
        }
    });
    match fields {
        Fields::Named(_) => quote!({ #(#each,)* }),
        Fields::Unnamed(_) => quote!(( #(#each,)* )),
        Fields::Unit => quote!(),
    }
}

fn serde_attrs(attrs: &[Attribute]) -> Vec<&Attribute> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_twin_keeps_serde_attributes_and_drops_the_rest() {
        let input: DeriveInput = syn::parse_quote! {
            /// Docs.
            #[serde(rename_all = "camelCase")]
            pub struct Quote<T> {
                #[serde(rename = "words")]
                pub text: String,
                /// More docs.
                tags: Vec<T>,
            }
        };
        let twin = twin(&input, &format_ident!("Twin")).to_string();
        assert!(twin.contains("rename_all"), "{twin}");
        assert!(twin.contains("rename = \"words\""), "{twin}");
        assert!(!twin.contains("doc"), "{twin}");
        assert!(!twin.contains("pub"), "{twin}");
        let expanded = expand_input(&input, Trait::Serialize).to_string();
        assert!(expanded.contains("remote = \"Quote\""), "{expanded}");
        assert!(
            expanded.contains("T : :: crawl_core :: __private :: serde :: Serialize"),
            "{expanded}"
        );
    }

    #[test]
    fn unions_are_refused() {
        let input: DeriveInput = syn::parse_quote!(union U { a: u8 });
        let expanded = expand_input(&input, Trait::Deserialize).to_string();
        assert!(expanded.contains("structs and enums"), "{expanded}");
    }
}

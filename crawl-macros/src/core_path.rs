//! The one place that spells the path to crawl-core's hidden module.

use proc_macro2::TokenStream;
use quote::quote;

/// `::crawl_core::__private`, the only path expansions use.
pub(crate) fn private() -> TokenStream {
    quote!(::crawl_core::__private)
}

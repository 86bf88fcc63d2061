//! The one place that spells the path to crawl-core's hidden module: `::crawl_core`, or the
//! path given by a macro's `crate = path` argument (as serde's `#[serde(crate = "...")]`) in a
//! crate that depends on crawl-core under another name.

use std::cell::RefCell;

use proc_macro2::TokenStream;
use quote::quote;
use syn::Path;

thread_local! {
    /// The `crate = path` of the expansion under way, if it gave one.
    static CRATE: RefCell<Option<Path>> = const { RefCell::new(None) };
}

/// `::crawl_core::__private` (or `path::__private` under [`use_crate`]), the only path
/// expansions use.
pub(crate) fn private() -> TokenStream {
    CRATE.with(|krate| match &*krate.borrow() {
        Some(path) => quote!(#path::__private),
        None => quote!(::crawl_core::__private),
    })
}

/// Makes [`private`] start from `path` (a macro's `crate = path`) until the guard drops;
/// `None` keeps `::crawl_core`. A macro calls it once its arguments are parsed.
#[must_use = "the path applies until the guard drops"]
pub(crate) fn use_crate(path: Option<Path>) -> CrateGuard {
    let previous = CRATE.with(|krate| krate.replace(path));
    CrateGuard { previous }
}

/// Restores the path of the enclosing expansion (`::crawl_core` at the top) when dropped.
pub(crate) struct CrateGuard {
    previous: Option<Path>,
}

impl Drop for CrateGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CRATE.with(|krate| krate.replace(previous));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crate_path_applies_until_its_guard_drops() {
        assert_eq!(private().to_string(), ":: crawl_core :: __private");
        {
            let _guard = use_crate(Some(syn::parse_quote!(renamed)));
            assert_eq!(private().to_string(), "renamed :: __private");
        }
        assert_eq!(private().to_string(), ":: crawl_core :: __private");
    }
}

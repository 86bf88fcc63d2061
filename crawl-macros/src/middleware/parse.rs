//! A middleware impl block's hook methods, each with its row of crawl-dsl's hook table.

use syn::{ImplItem, ImplItemFn, ItemImpl};

use crawl_dsl::hooks::{Hook, HOOKS};

/// The impl's methods that are hooks (`Some`) or async fns named after none (`None`), in
/// source order; sync fns named after no hook are helpers, left out.
pub(super) struct Methods<'a>(pub(super) Vec<(Option<&'static Hook>, &'a ImplItemFn)>);

impl<'a> Methods<'a> {
    /// The methods of `block` that are or look like hooks.
    pub(super) fn of(block: &'a ItemImpl) -> Self {
        let methods = block.items.iter().filter_map(|item| {
            let ImplItem::Fn(method) = item else {
                return None;
            };
            let hook = HOOKS.iter().find(|h| method.sig.ident == h.name);
            (hook.is_some() || method.sig.asyncness.is_some()).then_some((hook, method))
        });
        Methods(methods.collect())
    }
}

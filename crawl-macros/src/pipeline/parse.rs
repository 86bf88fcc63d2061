//! A pipeline impl block's hook methods, in the order written.

use syn::{ImplItem, ImplItemFn, ItemImpl};

/// The hooks of a pipeline impl block.
pub(super) const HOOKS: &[&str] = &["open_spider", "process_item", "close_spider"];

/// What a method of a pipeline impl block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    ProcessItem,
    OpenSpider,
    CloseSpider,
    /// An `async fn` named after no hook (sync fns are helpers).
    Unknown,
}

/// The impl's hook methods (and misnamed async fns), in source order.
pub(super) struct Methods<'a>(pub(super) Vec<(Role, &'a ImplItemFn)>);

impl<'a> Methods<'a> {
    /// The methods of `block` that are or look like hooks.
    pub(super) fn of(block: &'a ItemImpl) -> Self {
        let methods = block.items.iter().filter_map(|item| {
            let ImplItem::Fn(method) = item else {
                return None;
            };
            let role = match method.sig.ident.to_string().as_str() {
                "process_item" => Role::ProcessItem,
                "open_spider" => Role::OpenSpider,
                "close_spider" => Role::CloseSpider,
                _ if method.sig.asyncness.is_some() => Role::Unknown,
                _ => return None,
            };
            Some((role, method))
        });
        Methods(methods.collect())
    }
}

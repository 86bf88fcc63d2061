//! Items (any `serde::Serialize` value) and the outputs of callbacks.

use std::any::Any;
use std::fmt;

use crate::{BoxError, Request};

/// A scraped item: any `serde::Serialize + Send + Sync + 'static` type.
///
/// Implemented for every such type; a spider may yield several item types.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be scraped as an item",
    label = "not an item",
    note = "an item is any `serde::Serialize + Send + Sync + 'static` type: add `#[derive(Serialize)]` to it"
)]
pub trait Item: erased_serde::Serialize + Any + Send + Sync + 'static {
    /// The item's type name, for logs and stats.
    fn type_name(&self) -> &'static str;
    /// Upcast for downcasting to the concrete type.
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
    /// Upcast by reference.
    fn as_any(&self) -> &dyn Any;
}

impl<T: serde::Serialize + Send + Sync + 'static> Item for T {
    fn type_name(&self) -> &'static str {
        short_type_name(std::any::type_name::<T>())
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `my_crate::items::Quote` becomes `Quote` (generic arguments kept whole).
fn short_type_name(full: &'static str) -> &'static str {
    let end = full.find('<').unwrap_or(full.len());
    match full[..end].rfind("::") {
        Some(at) => &full[at + 2..],
        None => full,
    }
}

/// An item of any type, as the engine, pipelines and feeds carry it.
pub struct BoxedItem(Box<dyn Item>);

impl BoxedItem {
    /// Boxes a typed item.
    pub fn new<T: Item>(item: T) -> Self {
        BoxedItem(Box::new(item))
    }

    /// The item's type name (`Quote`).
    pub fn type_name(&self) -> &'static str {
        self.0.type_name()
    }

    /// Whether the item is a `T`.
    pub fn is<T: Item>(&self) -> bool {
        self.0.as_any().is::<T>()
    }

    /// A reference to the item if it is a `T`.
    pub fn downcast_ref<T: Item>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref()
    }

    /// The typed item, or this box back if it holds another type.
    pub fn downcast<T: Item>(self) -> Result<T, BoxedItem> {
        if self.is::<T>() {
            match self.0.into_any().downcast::<T>() {
                Ok(item) => Ok(*item),
                Err(_) => unreachable!("type checked above"),
            }
        } else {
            Err(self)
        }
    }

    /// The item as a JSON value (for logs and tests).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl serde::Serialize for BoxedItem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        erased_serde::serialize(&*self.0, serializer)
    }
}

impl fmt::Debug for BoxedItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.type_name(), self.to_json())
    }
}

/// One thing a callback produces: an item to store, a request to follow, or an error to
/// report (the callback goes on).
///
/// A request is boxed: outputs pass through every spider middleware's stream, and moving a
/// pointer through them is cheaper than moving a 350-byte request at each step.
#[derive(Debug)]
pub enum Output {
    /// A scraped item.
    Item(BoxedItem),
    /// A request to schedule.
    Request(Box<Request>),
    /// A failure to report as a spider error; the callback goes on.
    Error(BoxError),
}

impl From<Request> for Output {
    fn from(request: Request) -> Self {
        Output::Request(Box::new(request))
    }
}

impl From<Box<Request>> for Output {
    fn from(request: Box<Request>) -> Self {
        Output::Request(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, Debug, PartialEq)]
    struct Quote {
        text: String,
    }

    #[test]
    fn boxed_items_downcast_to_their_type_only() {
        let item = BoxedItem::new(Quote { text: "hi".into() });
        assert_eq!(item.type_name(), "Quote");
        assert!(item.downcast_ref::<String>().is_none());
        assert_eq!(item.to_json(), serde_json::json!({"text": "hi"}));
        let item = item.downcast::<String>().unwrap_err();
        assert_eq!(
            item.downcast::<Quote>().unwrap(),
            Quote { text: "hi".into() }
        );
    }

    #[test]
    fn short_names_keep_generics() {
        assert_eq!(short_type_name("a::b::Quote"), "Quote");
        assert_eq!(short_type_name("Vec<a::B>"), "Vec<a::B>");
    }
}

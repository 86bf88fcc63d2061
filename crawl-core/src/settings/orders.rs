//! Which components run, in which order: defaults overridden by a settings map such as
//! Scrapy's `DOWNLOADER_MIDDLEWARES = {"RetryMiddleware": null, "MyMiddleware": 543}`.

use std::collections::BTreeMap;

use super::SettingValue;

/// Order overrides by component name: a number moves it, `null` disables it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComponentOrders(pub BTreeMap<String, Option<i32>>);

/// The short name of a component given as a Scrapy-style path (`a.b.RetryMiddleware`).
fn short(name: &str) -> &str {
    name.rsplit(['.', ':']).next().unwrap_or(name)
}

impl ComponentOrders {
    /// The order of component `name` with default `order`; `None` when disabled.
    pub fn order_of(&self, name: &str, order: i32) -> Option<i32> {
        match self.0.iter().find(|(key, _)| short(key) == name) {
            Some((_, overridden)) => *overridden,
            None => Some(order),
        }
    }

    /// Names in the map that match none of `known`, for a clear error.
    pub fn unknown<'a>(&'a self, known: &[&str]) -> Vec<&'a str> {
        self.0
            .keys()
            .map(String::as_str)
            .filter(|key| !known.contains(&short(key)))
            .collect()
    }
}

impl SettingValue for ComponentOrders {
    /// A JSON object: `{"RetryMiddleware": null, "MyMiddleware": 543}`.
    fn parse_setting(text: &str) -> Result<Self, &'static str> {
        if text.trim().is_empty() {
            return Ok(ComponentOrders::default());
        }
        serde_json::from_str(text)
            .map(ComponentOrders)
            .map_err(|_| {
                "a JSON object of names to orders or null, such as {\"RetryMiddleware\": null}"
            })
    }
    fn render_setting(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_default()
    }
}

/// Components sorted by order, the disabled ones left out.
pub struct Enabled<T> {
    /// `(name, order, component)` in ascending order.
    pub items: Vec<(&'static str, i32, T)>,
}

impl<T> Enabled<T> {
    /// Sorts `(name, default order, component)` after applying `orders`.
    pub fn new(
        all: impl IntoIterator<Item = (&'static str, i32, T)>,
        orders: &ComponentOrders,
    ) -> Self {
        let mut items: Vec<(&'static str, i32, T)> = all
            .into_iter()
            .filter_map(|(name, order, item)| orders.order_of(name, order).map(|o| (name, o, item)))
            .collect();
        items.sort_by_key(|(name, order, _)| (*order, *name));
        Enabled { items }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_move_and_disable_components() {
        let orders = ComponentOrders::parse_setting(
            r#"{"scrapy.downloadermiddlewares.retry.RetryMiddleware": null, "Mine": 10}"#,
        )
        .unwrap();
        let enabled = Enabled::new(
            [
                ("RetryMiddleware", 550, 'r'),
                ("Mine", 600, 'm'),
                ("Other", 5, 'o'),
            ],
            &orders,
        );
        let names: Vec<&str> = enabled.items.iter().map(|(n, _, _)| *n).collect();
        assert_eq!(names, ["Other", "Mine"]);
        assert_eq!(orders.unknown(&["RetryMiddleware"]), ["Mine"]);
    }
}

//! The settings crawl knows, from the very table crawl-core builds its `Settings` from.

#[path = "../../crawl-core/src/settings/keys.rs"]
#[macro_use]
mod keys;

/// One setting: Scrapy's name, the field (its key in `settings(...)`), and its type.
pub(crate) struct SettingKey {
    pub(crate) name: &'static str,
    pub(crate) field: &'static str,
    pub(crate) ty: &'static str,
}

macro_rules! table {
    ($( $(#[$doc:meta])* $name:ident $field:ident : $ty:ty = $default:expr; )*) => {
        /// Every setting, in table order.
        pub(crate) const SETTINGS: &[SettingKey] = &[
            $( SettingKey { name: stringify!($name), field: stringify!($field), ty: stringify!($ty) }, )*
        ];
    };
}

crawl_settings_table!(table);

impl SettingKey {
    /// Whether the setting is a map (pipelines, middlewares, headers): given as JSON text,
    /// parsed at start-up.
    pub(crate) fn is_json_map(&self) -> bool {
        matches!(self.ty, "ComponentOrders" | "StringMap")
    }
}

/// The setting whose field is `field`.
pub(crate) fn find(field: &str) -> Option<&'static SettingKey> {
    SETTINGS.iter().find(|key| key.field == field)
}

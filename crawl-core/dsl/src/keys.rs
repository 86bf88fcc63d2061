//! The settings table as data: each setting's name, field and type, for checking keys.

/// One setting: Scrapy's name, the field (its key in `settings(...)`), and its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingKey {
    /// Scrapy's name, `CONCURRENT_REQUESTS`.
    pub name: &'static str,
    /// The field of crawl-core's `Settings` and the key in `settings(...)`.
    pub field: &'static str,
    /// The field's type as written in the table, `usize`.
    pub ty: &'static str,
}

macro_rules! table {
    ($( $(#[$doc:meta])* $name:ident $field:ident : $ty:ty = $default:expr; )*) => {
        /// Every setting, in table order.
        pub const SETTINGS: &[SettingKey] = &[
            $( SettingKey { name: stringify!($name), field: stringify!($field), ty: stringify!($ty) }, )*
        ];
    };
}

crate::crawl_settings_table!(table);

impl SettingKey {
    /// Whether the setting is a map (pipelines, middlewares, headers): given as JSON text,
    /// parsed at start-up.
    pub fn is_json_map(&self) -> bool {
        matches!(self.ty, "ComponentOrders" | "StringMap")
    }
}

/// The setting whose field is `field`.
pub fn find(field: &str) -> Option<&'static SettingKey> {
    SETTINGS.iter().find(|key| key.field == field)
}

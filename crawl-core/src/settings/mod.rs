//! Settings: a typed struct with Scrapy's names and defaults.
//!
//! Overrides come from a spider's attribute (checked while compiling), the command line
//! (`-s NAME=value`) and the environment (`CRAWL_NAME=value`). A component declares settings
//! of its own with `#[derive(Settings)]` ([`ComponentSettings`]), set the same three ways.

mod component;
mod orders;
mod reference;
mod value;

#[doc(hidden)]
pub use component::{check_component_value, component_field, set_component_field};
pub use component::{
    component_settings, component_settings_reference, ComponentSetting, ComponentSettings,
    ComponentSettingsEntry,
};
pub use orders::{ComponentOrders, Enabled};
pub use reference::settings_reference;
pub use value::{SettingValue, StringMap};

macro_rules! define_settings {
    ($( $(#[$doc:meta])* $name:ident $field:ident : $ty:ty = $default:expr; )*) => {
        /// Every setting of a crawl, with Scrapy's defaults.
        ///
        /// Field names are Scrapy's setting names in lowercase (`CONCURRENT_REQUESTS` is
        /// `concurrent_requests`). Every setting, its type, default and meaning:
        /// [the settings reference](crate::_guide::settings), also printed by the generated
        /// command line's `settings` subcommand.
        ///
        /// ```
        /// let mut settings = crawl_core::Settings::default();
        /// assert_eq!(settings.concurrent_requests, 16);
        /// settings.apply_pairs([("CONCURRENT_REQUESTS", "64"), ("download_delay", "0.5")]).unwrap();
        /// assert_eq!(settings.concurrent_requests, 64);
        /// assert_eq!(settings.get("DOWNLOAD_DELAY").as_deref(), Some("0.5"));
        /// ```
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub struct Settings {
            $( $(#[$doc])* pub $field: $ty, )*
            /// The settings of components (`#[derive(Settings)]`) set by name, as text.
            pub(crate) components: std::collections::BTreeMap<String, String>,
        }

        impl Default for Settings {
            fn default() -> Self {
                Settings { $( $field: $default, )* components: Default::default() }
            }
        }

        /// Every setting's Scrapy name, in table order.
        pub const SETTING_NAMES: &[&str] = &[$(stringify!($name)),*];

        impl Settings {
            /// Sets the setting named `name` (Scrapy's name, any case) from its text form.
            pub fn set(&mut self, name: &str, value: &str) -> Result<(), crate::Error> {
                let upper = name.to_ascii_uppercase();
                match upper.as_str() {
                    $( stringify!($name) => {
                        self.$field = SettingValue::parse_setting(value).map_err(|expected| {
                            crate::Error::InvalidSetting { name: upper.clone(), value: value.to_owned(), expected }
                        })?;
                        Ok(())
                    } )*
                    _ => match component::find(&upper) {
                        Some(setting) => self.set_component(setting, value),
                        None => Err(crate::Error::UnknownSetting {
                            name: name.to_owned(),
                            suggestion: suggest(&upper),
                        }),
                    },
                }
            }

            /// The value of the setting named `name`, rendered as text (for logs and tests); a
            /// component's setting too.
            pub fn get(&self, name: &str) -> Option<String> {
                match name.to_ascii_uppercase().as_str() {
                    $( stringify!($name) => Some(self.$field.render_setting()), )*
                    other => self.get_component(other),
                }
            }
        }
    };
}

crawl_dsl::crawl_settings_table!(define_settings);

impl Settings {
    /// Applies `NAME=value` pairs, e.g. from `-s` on the command line.
    pub fn apply_pairs<'a>(
        &mut self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<(), crate::Error> {
        for (name, value) in pairs {
            self.set(name, value)?;
        }
        Ok(())
    }

    /// Applies every environment variable `CRAWL_<NAME>` that names a known setting, built in
    /// or declared by a component's settings type.
    pub fn apply_env(&mut self) -> Result<(), crate::Error> {
        for name in SETTING_NAMES.iter().copied().chain(component::names()) {
            if let Ok(value) = std::env::var(format!("CRAWL_{name}")) {
                self.set(name, &value)?;
            }
        }
        Ok(())
    }
}

/// ", did you mean `X`?" for the known name closest to `name`, or an empty string.
fn suggest(name: &str) -> String {
    SETTING_NAMES
        .iter()
        .copied()
        .chain(component::names())
        .map(|known| (strsim::levenshtein(name, known), known))
        .filter(|(distance, _)| *distance <= 3)
        .min()
        .map(|(_, known)| format!(", did you mean `{known}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_scrapys() {
        let settings = Settings::default();
        assert_eq!(settings.concurrent_requests, 16);
        assert_eq!(settings.concurrent_requests_per_domain, 8);
        assert_eq!(settings.download_delay, 0.0);
        assert_eq!(settings.download_timeout, 180.0);
        assert_eq!(settings.download_maxsize, 1 << 30);
        assert_eq!(settings.download_warnsize, 32 << 20);
    }

    #[test]
    fn set_parses_by_type_and_names_bad_input() {
        let mut settings = Settings::default();
        settings.set("CONCURRENT_REQUESTS", "64").unwrap();
        settings.set("download_delay", "0.5").unwrap();
        assert_eq!(settings.concurrent_requests, 64);
        assert_eq!(settings.download_delay, 0.5);
        let err = settings.set("CONCURRENT_REQUEST", "1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown setting `CONCURRENT_REQUEST`, did you mean `CONCURRENT_REQUESTS`?"
        );
        let err = settings.set("DOWNLOAD_DELAY", "soon").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid value `soon` for setting `DOWNLOAD_DELAY`: expected a number"
        );
        assert_eq!(settings.get("concurrent_requests").as_deref(), Some("64"));
    }
}

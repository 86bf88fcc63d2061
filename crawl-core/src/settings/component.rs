//! Settings of a user's own components: a pipeline, middleware or extension declares them as a
//! struct with `#[derive(Settings)]`, and reads them back typed with
//! [`Settings::component`]. They are set as the built-in ones are: `-s NAME=value`, the
//! environment (`CRAWL_NAME=value`) and a spider's `settings(Type::field = value)`.
//!
//! Each type registers its settings at link time (the derive submits a
//! [`ComponentSettingsEntry`]), so that `-s` and the environment know their names and
//! `crawl settings` lists them.

use super::{SettingValue, Settings};
use crate::Error;

/// One setting of a component's settings type, as the derive describes it.
#[derive(Debug)]
pub struct ComponentSetting {
    /// Its name: the type's prefix, `_`, and the field in upper case (`MYPIPE_BATCH_SIZE`).
    pub name: &'static str,
    /// The field, its key in `settings(Type::field = value)`.
    pub field: &'static str,
    /// The field's type as written (`usize`).
    pub ty: &'static str,
    /// The field's doc comment.
    pub doc: &'static str,
    /// The default, rendered as text.
    pub default: fn() -> String,
    /// Checks a value's text form; on failure, what was expected ("a non-negative integer").
    pub check: fn(&str) -> Result<(), &'static str>,
}

/// A struct of a component's settings; implemented by `#[derive(Settings)]`.
///
/// ```
/// use crawl_core::prelude::*;
///
/// #[derive(Settings)]
/// #[settings(prefix = "MYPIPE")]
/// pub struct MyPipeSettings {
///     /// Items written per batch.
///     #[setting(default = 10)]
///     pub batch_size: usize,
///     /// Where the batches go.
///     #[setting(default = "batches")]
///     pub folder: String,
/// }
///
/// let mut settings = Settings::default();
/// assert_eq!(settings.component::<MyPipeSettings>().batch_size, 10);
/// settings.set("MYPIPE_BATCH_SIZE", "20").unwrap();
/// assert_eq!(settings.component::<MyPipeSettings>().batch_size, 20);
/// assert_eq!(settings.get("mypipe_folder").as_deref(), Some("batches"));
/// assert!(settings.set("MYPIPE_BATCH_SIZE", "many").is_err());
/// ```
pub trait ComponentSettings: Default + Sized + 'static {
    /// Every setting of the type, in field order.
    const SETTINGS: &'static [ComponentSetting];

    /// The values set in `settings`, defaults for the rest.
    fn from_settings(settings: &Settings) -> Self;
}

/// A settings type linked into the binary: what the derive registers.
#[derive(Debug)]
pub struct ComponentSettingsEntry {
    /// The type's name.
    pub type_name: &'static str,
    /// Its settings.
    pub settings: &'static [ComponentSetting],
}

inventory::collect!(ComponentSettingsEntry);

/// Every component settings type linked into this binary, sorted by name.
pub fn component_settings() -> Vec<&'static ComponentSettingsEntry> {
    let mut all: Vec<_> = inventory::iter::<ComponentSettingsEntry>
        .into_iter()
        .collect();
    all.sort_by_key(|entry| entry.type_name);
    all
}

/// The registered setting named `name` (upper case).
pub(super) fn find(name: &str) -> Option<&'static ComponentSetting> {
    inventory::iter::<ComponentSettingsEntry>
        .into_iter()
        .flat_map(|entry| entry.settings)
        .find(|setting| setting.name == name)
}

/// The names of every registered setting.
pub(super) fn names() -> impl Iterator<Item = &'static str> {
    inventory::iter::<ComponentSettingsEntry>
        .into_iter()
        .flat_map(|entry| entry.settings)
        .map(|setting| setting.name)
}

impl Settings {
    /// The settings of a component, typed: the values set with `-s`, the environment or a
    /// spider's `settings(...)`, defaults for the rest.
    pub fn component<T: ComponentSettings>(&self) -> T {
        T::from_settings(self)
    }

    /// The text of a component setting set by name, if it was set.
    #[doc(hidden)]
    pub fn component_value(&self, name: &str) -> Option<&str> {
        self.components.get(name).map(String::as_str)
    }

    /// Sets the registered component setting `setting` from its text form.
    pub(super) fn set_component(
        &mut self,
        setting: &ComponentSetting,
        value: &str,
    ) -> Result<(), Error> {
        (setting.check)(value).map_err(|expected| Error::InvalidSetting {
            name: setting.name.to_owned(),
            value: value.to_owned(),
            expected,
        })?;
        self.components
            .insert(setting.name.to_owned(), value.to_owned());
        Ok(())
    }

    /// The value of a component setting by name: as set, or its default.
    pub(super) fn get_component(&self, name: &str) -> Option<String> {
        let setting = find(name)?;
        Some(
            self.component_value(name)
                .map_or_else(|| (setting.default)(), str::to_owned),
        )
    }
}

/// `field` of settings type `T` set to `value` (a spider's `settings(T::field = value)`,
/// checked by type while compiling).
#[doc(hidden)]
pub fn set_component_field<T: ComponentSettings, V: SettingValue>(
    settings: &mut Settings,
    field: &str,
    value: &V,
) {
    if let Some(setting) = T::SETTINGS.iter().find(|s| s.field == field) {
        settings
            .components
            .insert(setting.name.to_owned(), value.render_setting());
    }
}

/// The value of one field for `from_settings`: parsed from the text set, if it was set.
#[doc(hidden)]
pub fn component_field<V: SettingValue>(settings: &Settings, name: &str) -> Option<V> {
    settings
        .component_value(name)
        .and_then(|text| V::parse_setting(text).ok())
}

/// Checks the text form of a `V` (a [`ComponentSetting::check`]).
#[doc(hidden)]
pub fn check_component_value<V: SettingValue>(text: &str) -> Result<(), &'static str> {
    V::parse_setting(text).map(drop)
}

/// The component settings of this binary as a Markdown table, as the settings reference
/// shows the built-in ones; empty when the binary declares none. `crawl settings` prints it
/// after the reference.
pub fn component_settings_reference() -> String {
    let entries = component_settings();
    if entries.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\nSettings of this binary's components:\n\n\
         | setting | in `settings(...)` | type | default | what it does |\n\
         |---|---|---|---|---|\n",
    );
    for entry in entries {
        for setting in entry.settings {
            let default = (setting.default)();
            let default = if default.is_empty() {
                "empty".to_owned()
            } else {
                format!("`{}`", default.replace('|', "\\|"))
            };
            out.push_str(&format!(
                "| `{}` | `{}::{}` | `{}` | {} | {} |\n",
                setting.name,
                entry.type_name,
                setting.field,
                setting.ty,
                default,
                one_line(setting.doc),
            ));
        }
    }
    out
}

/// A doc comment on one line, for a table cell.
pub(super) fn one_line(doc: &str) -> String {
    doc.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

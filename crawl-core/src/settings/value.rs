//! Conversion of setting values from and to their text form (`-s NAME=value`).

/// A type a setting can have: parsed from the command line's text, rendered for logs.
pub trait SettingValue: Sized {
    /// Parses the text form; on failure returns what was expected ("an integer").
    fn parse_setting(text: &str) -> Result<Self, &'static str>;
    /// Renders the value as text.
    fn render_setting(&self) -> String;
}

macro_rules! numeric {
    ($($ty:ty => $expected:literal),*) => {$(
        impl SettingValue for $ty {
            fn parse_setting(text: &str) -> Result<Self, &'static str> {
                text.trim().parse().map_err(|_| $expected)
            }
            fn render_setting(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

numeric!(usize => "a non-negative integer", u32 => "a non-negative integer",
         u64 => "a non-negative integer", i32 => "an integer", f64 => "a number");

impl SettingValue for bool {
    fn parse_setting(text: &str) -> Result<Self, &'static str> {
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err("a boolean (true or false)"),
        }
    }
    fn render_setting(&self) -> String {
        self.to_string()
    }
}

impl SettingValue for String {
    fn parse_setting(text: &str) -> Result<Self, &'static str> {
        Ok(text.to_owned())
    }
    fn render_setting(&self) -> String {
        self.clone()
    }
}

impl SettingValue for Vec<u16> {
    /// A comma-separated list of integers, or a JSON array.
    fn parse_setting(text: &str) -> Result<Self, &'static str> {
        let text = text.trim().trim_start_matches('[').trim_end_matches(']');
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| part.parse().map_err(|_| "a list of integers"))
            .collect()
    }
    fn render_setting(&self) -> String {
        self.iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl SettingValue for Vec<String> {
    /// A comma-separated list, or a JSON array of strings.
    fn parse_setting(text: &str) -> Result<Self, &'static str> {
        let text = text.trim();
        if text.starts_with('[') {
            return serde_json::from_str(text).map_err(|_| "a JSON array of strings");
        }
        Ok(text
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(str::to_owned)
            .collect())
    }
    fn render_setting(&self) -> String {
        self.join(",")
    }
}

impl<T: SettingValue> SettingValue for Option<T> {
    /// An empty value or `none` means unset.
    fn parse_setting(text: &str) -> Result<Self, &'static str> {
        if text.trim().is_empty() || text.trim().eq_ignore_ascii_case("none") {
            return Ok(None);
        }
        T::parse_setting(text).map(Some)
    }
    fn render_setting(&self) -> String {
        self.as_ref().map(T::render_setting).unwrap_or_default()
    }
}

/// A map of strings, given as a JSON object (`{"Accept-Language": "en"}`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StringMap(pub std::collections::BTreeMap<String, String>);

impl StringMap {
    /// Scrapy's `DEFAULT_REQUEST_HEADERS`.
    pub fn default_request_headers() -> Self {
        StringMap(
            [
                (
                    "Accept",
                    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                ),
                ("Accept-Language", "en"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        )
    }
}

impl SettingValue for StringMap {
    fn parse_setting(text: &str) -> Result<Self, &'static str> {
        if text.trim().is_empty() {
            return Ok(StringMap::default());
        }
        serde_json::from_str(text)
            .map(StringMap)
            .map_err(|_| "a JSON object of strings")
    }
    fn render_setting(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_default()
    }
}

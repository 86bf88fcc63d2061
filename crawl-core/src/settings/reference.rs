//! The settings reference: one row per setting of the table in crawl-dsl (name, type,
//! default, what it does, how Scrapy differs), printed by `crawl settings` and checked in as
//! `reference.md`, which the guide's settings chapter shows.

use super::Settings;

/// One setting as the reference shows it.
struct Row {
    name: &'static str,
    field: &'static str,
    ty: &'static str,
    doc: &'static str,
}

macro_rules! reference_rows {
    ($( $(#[doc = $doc:literal])* $name:ident $field:ident : $ty:ty = $default:expr; )*) => {
        /// Every setting, in table order.
        const ROWS: &[Row] = &[
            $( Row {
                name: stringify!($name),
                field: stringify!($field),
                ty: stringify!($ty),
                doc: concat!($($doc, "\n"),*),
            }, )*
        ];
    };
}

crawl_dsl::crawl_settings_table!(reference_rows);

/// The type of a setting in a user's words, from its Rust type.
fn type_name(ty: &str) -> &'static str {
    match ty.replace(' ', "").as_str() {
        "usize" | "u32" | "u64" => "non-negative integer",
        "i32" => "integer",
        "f64" => "number",
        "bool" => "boolean",
        "String" => "text",
        "Option<String>" => "text (optional)",
        "Vec<u16>" => "list of integers",
        "ComponentOrders" => "JSON object of orders",
        "StringMap" => "JSON object of strings",
        _ => "other",
    }
}

/// How a setting differs from Scrapy's setting of the same purpose; `same` when it has
/// Scrapy's name, meaning and default.
fn scrapy(name: &str) -> &'static str {
    match name {
        "BOT_NAME" => "same (Scrapy's default: the project's name)",
        "USER_AGENT" => "same (Scrapy's default names Scrapy)",
        "ROBOTSTXT_OBEY" => "same (Scrapy's default is `False`, `True` in new projects)",
        "DOWNLOAD_MAXMEMORY" => "none: crawl only",
        "HTML_MAXDEPTH" => "none: crawl only",
        "RETRY_BACKOFF_BASE" | "RETRY_BACKOFF_MAX" => "none: crawl only (Scrapy retries at once)",
        "DUPEFILTER_ENABLED" => "`DUPEFILTER_CLASS` (a class path; crawl: on or off)",
        "SCHEDULER_MEMORY_QUEUE" => {
            "same name; Scrapy takes a class path (`scrapy.squeues.LifoMemoryQueue`)"
        }
        "HTTPCACHE_POLICY" => "same name; Scrapy takes a class path",
        "LOG_LEVEL" => {
            "same name; Scrapy's default is `DEBUG`; also takes `tracing` filter directives"
        }
        "DOWNLOADER_MIDDLEWARES" | "SPIDER_MIDDLEWARES" | "ITEM_PIPELINES" => {
            "same; components are named by their Rust name, not a class path"
        }
        "FEEDS" | "DOWNLOAD_SLOTS" => "same, given as JSON text",
        "JOBDIR" => {
            "same name; crawl's job dir also survives a kill (its feeds are cut back to their \
             last committed record)"
        }
        "JOBDIR_SYNC" => "none: crawl only",
        "DNS_OVERRIDE" => "none: crawl only (Scrapy's `DNS_RESOLVER` takes a resolver class)",
        "SCHEDULER" => {
            "same name; Scrapy takes a class path (scrapy-redis: \
             `scrapy_redis.scheduler.Scheduler`)"
        }
        "REDIS_URL" | "SCHEDULER_PERSIST" | "SCHEDULER_FLUSH_ON_START" | "REDIS_ITEMS_KEY" => {
            "scrapy-redis's name (crawl's items stream is written with each ack: exactly once)"
        }
        "REDIS_KEY_PREFIX" => "scrapy-redis: `SCHEDULER_QUEUE_KEY` and `SCHEDULER_DUPEFILTER_KEY`",
        "REDIS_LEASE_SECS" | "REDIS_WORKER_ID" | "REDIS_RETRY_SECS" => {
            "none: crawl only (scrapy-redis pops requests without a lease)"
        }
        _ => "same",
    }
}

/// The settings reference as Markdown: a table with every setting's name, key in
/// `#[spider(settings(...))]`, type, default, meaning and Scrapy counterpart.
///
/// `crawl settings` prints it; the guide's settings chapter shows it
/// ([`crate::_guide::settings`]).
///
/// ```
/// let reference = crawl_core::settings_reference();
/// assert!(reference.contains("| `CONCURRENT_REQUESTS` | `concurrent_requests` | non-negative integer | `16` |"));
/// ```
pub fn settings_reference() -> String {
    let defaults = Settings::default();
    let mut out = String::from(
        "| setting | in `settings(...)` | type | default | what it does | Scrapy |\n\
         |---|---|---|---|---|---|\n",
    );
    for row in ROWS {
        let default = defaults.get(row.name).unwrap_or_default();
        let default = if default.is_empty() {
            "empty".to_owned()
        } else {
            format!("`{}`", default.replace('|', "\\|"))
        };
        let doc = row
            .doc
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ")
            .replace('|', "\\|");
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} | {} |\n",
            row.name,
            row.field,
            type_name(row.ty),
            default,
            doc.trim(),
            scrapy(row.name),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checked-in reference is what the table gives; `CRAWL_BLESS=1` rewrites it.
    #[test]
    fn checked_in_reference_matches_the_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/settings/reference.md");
        let generated = settings_reference();
        if std::env::var_os("CRAWL_BLESS").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let checked_in = std::fs::read_to_string(path).unwrap();
        assert!(
            checked_in == generated,
            "{path} is out of date: run `CRAWL_BLESS=1 cargo test -p crawl-core --lib settings::reference`"
        );
    }

    #[test]
    fn every_setting_has_a_type_a_meaning_and_one_row() {
        assert_eq!(ROWS.len(), crate::SETTING_NAMES.len());
        for row in ROWS {
            assert_ne!(type_name(row.ty), "other", "{}: {}", row.name, row.ty);
            assert!(!row.doc.trim().is_empty(), "{} has no doc", row.name);
        }
        let reference = settings_reference();
        for name in crate::SETTING_NAMES {
            assert_eq!(
                reference.matches(&format!("| `{name}` |")).count(),
                1,
                "{name}"
            );
        }
    }

    #[test]
    fn scrapy_notes_name_known_settings() {
        for name in [
            "BOT_NAME",
            "USER_AGENT",
            "ROBOTSTXT_OBEY",
            "DOWNLOAD_MAXMEMORY",
            "HTML_MAXDEPTH",
            "RETRY_BACKOFF_BASE",
            "RETRY_BACKOFF_MAX",
            "DUPEFILTER_ENABLED",
            "SCHEDULER_MEMORY_QUEUE",
            "HTTPCACHE_POLICY",
            "LOG_LEVEL",
            "FEEDS",
            "DOWNLOAD_SLOTS",
        ] {
            assert!(crate::SETTING_NAMES.contains(&name), "{name}");
            assert_ne!(scrapy(name), "same", "{name}");
        }
    }
}

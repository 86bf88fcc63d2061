//! Settings a component declares itself (`#[derive(Settings)]`): a pipeline reads them typed
//! from the crawler, and they are set as the built-in ones are, by the environment, a
//! spider's `settings(Type::field = value)` and `-s NAME=value` (each overriding the one
//! before). A wrong value or an undeclared name on the command line is an error.

mod common;

use crawl_core::demo_site::DemoSite;
use crawl_core::prelude::*;
use crawl_core::Error;

/// The tagging pipeline's settings.
#[derive(Settings)]
#[settings(prefix = "TAGGER")]
pub struct TaggerSettings {
    /// The label put on every item.
    #[setting(default = "plain")]
    pub label: String,
    /// Longest quote kept, in characters; longer ones are dropped.
    #[setting(default = 1000)]
    pub max_len: usize,
}

#[derive(Serialize)]
struct Quote {
    text: String,
    label: String,
}

/// Labels every quote, and drops long ones, as its settings say.
#[pipeline]
async fn tag(mut item: Quote, crawler: &Crawler) -> Option<Quote> {
    let settings: TaggerSettings = crawler.settings().component();
    if item.text.chars().count() > settings.max_len {
        return None;
    }
    item.label = settings.label;
    Some(item)
}

/// The start page's quotes.
fn quotes(response: &Response) -> Vec<Quote> {
    response
        .css("div.quote span.text::text")
        .getall()
        .into_iter()
        .map(|text| Quote {
            text,
            label: String::new(),
        })
        .collect()
}

#[derive(Default)]
struct PlainQuotes;

#[spider(name = "plain_quotes")]
impl PlainQuotes {
    async fn parse(&self, response: Response) -> Vec<Quote> {
        quotes(&response)
    }
}

#[derive(Default)]
struct LabelledQuotes;

#[spider(
    name = "labelled_quotes",
    settings(TaggerSettings::label = "from-attribute", TaggerSettings::max_len = 60)
)]
impl LabelledQuotes {
    async fn parse(&self, response: Response) -> Vec<Quote> {
        quotes(&response)
    }
}

/// Each item's text and label from a crawl of `spider` with `extra` arguments, or the error
/// it stopped with before crawling.
async fn crawl(
    spider: &str,
    site: &DemoSite,
    extra: &[&str],
) -> Result<Vec<(String, String)>, Error> {
    let run = common::try_crawl_url(spider, &site.url("/"), extra).await?;
    Ok(run
        .items
        .iter()
        .map(|item| {
            let field = |name: &str| item[name].as_str().unwrap().to_owned();
            (field("text"), field("label"))
        })
        .collect())
}

fn labels(items: &[(String, String)]) -> Vec<&str> {
    items.iter().map(|(_, label)| label.as_str()).collect()
}

/// The defaults apply unless set; `CRAWL_TAGGER_LABEL` sets one from the environment. (One
/// test: the environment is the process's.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defaults_then_the_environment() {
    let site = DemoSite::start().await.unwrap();
    let items = crawl("plain_quotes", &site, &[]).await.unwrap();
    assert_eq!(items.len(), 10);
    assert_eq!(labels(&items), ["plain"; 10]);

    std::env::set_var("CRAWL_TAGGER_LABEL", "from-env");
    let items = crawl("plain_quotes", &site, &[]).await;
    std::env::remove_var("CRAWL_TAGGER_LABEL");
    assert_eq!(labels(&items.unwrap()), ["from-env"; 10]);
}

/// The spider's `settings(TaggerSettings::label = .., TaggerSettings::max_len = 60)`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spider_sets_them_in_its_attribute() {
    let site = DemoSite::start().await.unwrap();
    let items = crawl("labelled_quotes", &site, &[]).await.unwrap();
    assert!(!items.is_empty() && items.len() < 10, "{items:?}");
    for (text, label) in &items {
        assert!(text.chars().count() <= 60, "{text}");
        assert_eq!(label, "from-attribute");
    }
}

/// `-s` overrides the spider's attribute, by the settings' names in any case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_overrides_the_attribute() {
    let site = DemoSite::start().await.unwrap();
    let extra = ["-s", "TAGGER_LABEL=from-cli", "-s", "tagger_max_len=1000"];
    let items = crawl("labelled_quotes", &site, &extra).await.unwrap();
    assert_eq!(labels(&items), ["from-cli"; 10]);
}

/// A value that does not parse as the field's type, or a name no settings type declares, is
/// an error before anything is crawled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_values_and_undeclared_names_are_errors() {
    let site = DemoSite::start().await.unwrap();
    let error = crawl("plain_quotes", &site, &["-s", "TAGGER_MAX_LEN=long"])
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid value `long` for setting `TAGGER_MAX_LEN`: expected a non-negative integer"
    );
    let error = crawl("plain_quotes", &site, &["-s", "TAGGER_MAX_LENGTH=1"])
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown setting `TAGGER_MAX_LENGTH`, did you mean `TAGGER_MAX_LEN`?"
    );
}

/// `crawl settings` prints the component settings after the reference: this table.
#[test]
fn the_settings_command_lists_them() {
    let table = crawl_core::component_settings_reference();
    assert!(
        table.contains("| `TAGGER_LABEL` | `TaggerSettings::label` | `String` | `plain` | The label put on every item. |"),
        "{table}"
    );
    assert!(table.contains(
        "| `TAGGER_MAX_LEN` | `TaggerSettings::max_len` | `usize` | `1000` | Longest quote kept, in characters; longer ones are dropped. |"
    ));
    let settings = crawl_core::Settings::default();
    assert_eq!(settings.get("TAGGER_MAX_LEN").as_deref(), Some("1000"));
}

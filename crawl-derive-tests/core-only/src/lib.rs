//! A spider crate as a new user writes it, with crawl-core as its only dependency: item types
//! derive `Serialize` and `Deserialize` (with serde's attributes) through the prelude, and
//! pipelines drop items with `Err(DropItem::new(..))`.

use crawl_core::prelude::*;

/// A quote, with serde's field attributes.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "UPPERCASE")]
pub struct Quote {
    /// The quote's words.
    pub text: String,
    /// Who said it.
    #[serde(rename = "by")]
    pub author: String,
    /// Empty tag lists are left out.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tags: Vec<String>,
}

/// An enum item, tagged, with a generic payload.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind")]
pub enum Page<T> {
    /// A page and what it held.
    Listing {
        /// The page's URL.
        url: String,
        /// What was on it.
        count: T,
    },
    /// A page with nothing on it.
    Empty,
}

/// A tuple struct item.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Title(pub String);

/// Scrapes quotes and one `Page` per listing page of the demo site.
#[derive(Default)]
pub struct Quotes;

#[spider(name = "core_only_quotes")]
impl Quotes {
    async fn parse(&self, response: Response) {
        let quotes = response.css("div.quote");
        yield_!(Page::Listing {
            url: response.url.to_string(),
            count: quotes.len(),
        });
        for quote in quotes {
            yield_!(Quote {
                text: quote.css("span.text::text").get().unwrap_or_default(),
                author: quote.css("small.author::text").get().unwrap_or_default(),
                tags: quote.css("a.tag::text").getall(),
            });
        }
        if let Some(next) = response.css("li.next a::attr(href)").get() {
            yield_!(response.follow(next, Self::parse));
        }
    }
}

/// Drops quotes with fewer than two tags, with a reason.
#[pipeline(order = 100)]
async fn well_tagged_only(item: Quote) -> Result<Option<Quote>> {
    if item.tags.len() < 2 {
        return Err(DropItem::new("few_tags"));
    }
    Ok(Some(item))
}

//! Pages through a JSON API (quotes.toscrape.com's `/api/quotes?page=N` shape): each page's
//! quotes become items, and `has_next` leads to the next page, asked for with
//! `JsonRequest` and read with `response.json::<T>()`. The page number travels with the
//! request as the `page` callback's typed argument (Scrapy's `cb_kwargs`, checked while
//! compiling), so it survives a disk queue (`--job-dir`) or Redis.
//!
//! ```sh
//! cargo run --release --example api -- -o quotes.jsonl
//! cargo run --release --example api -- -a start_url='http://quotes.toscrape.com/api/quotes?page=1' -o quotes.jsonl
//! ```
//! Without `-a start_url=` it reads the embedded demo site's API.

use crawl_core::prelude::*;

/// One page of the API.
#[derive(Debug, Deserialize)]
pub struct ApiPage {
    /// The page's number.
    pub page: u32,
    /// Whether a next page exists.
    pub has_next: bool,
    /// The quotes on it.
    pub quotes: Vec<ApiQuote>,
}

/// A quote as the API gives it.
#[derive(Debug, Deserialize)]
pub struct ApiQuote {
    /// The quote's text.
    pub text: String,
    /// Its author.
    pub author: ApiAuthor,
    /// Its tags.
    pub tags: Vec<String>,
}

/// An author as the API gives it.
#[derive(Debug, Deserialize)]
pub struct ApiAuthor {
    /// The author's name.
    pub name: String,
}

/// A scraped quote.
#[derive(Debug, Serialize)]
pub struct Quote {
    /// The quote's text.
    pub text: String,
    /// Who said it.
    pub author: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// The API page it came from.
    pub page: u32,
}

/// The `page` callback's argument: which page the request asks for.
#[derive(Debug, Serialize, Deserialize)]
pub struct Paging {
    /// The page's number.
    pub n: u32,
}

/// Reads every page of the API.
#[derive(Default)]
pub struct Api;

/// `url` with its `page` query argument set to `page` (other arguments kept).
fn with_page(url: &url::Url, page: u32) -> url::Url {
    let others: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "page")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut next = url.clone();
    next.query_pairs_mut()
        .clear()
        .extend_pairs(others)
        .append_pair("page", &page.to_string());
    next
}

#[spider(name = "api")]
impl Api {
    /// The first page (the start URL): its number is the one the API gives.
    async fn parse(&self, response: Response) -> Result<Vec<Output>> {
        self.outputs(&response, None)
    }

    /// A following page, asked for as page `paging.n`.
    async fn page(&self, response: Response, paging: Paging) -> Result<Vec<Output>> {
        self.outputs(&response, Some(paging.n))
    }

    /// A page's quotes, then a request for the next page if there is one; `asked` is the
    /// page number the request carried.
    fn outputs(&self, response: &Response, asked: Option<u32>) -> Result<Vec<Output>> {
        let page: ApiPage = response.json()?;
        let number = asked.unwrap_or(page.page);
        if number != page.page {
            return Err(BoxError::msg(format!(
                "asked for page {number}, the API answered page {}",
                page.page
            )));
        }
        let mut outputs: Vec<Output> = page
            .quotes
            .into_iter()
            .map(|quote| {
                Output::Item(BoxedItem::new(Quote {
                    text: quote.text,
                    author: quote.author.name,
                    tags: quote.tags,
                    page: number,
                }))
            })
            .collect();
        if page.has_next {
            let next = JsonRequest::get(with_page(&response.url, number + 1))?
                .with_callback(Self::page)
                .with_args(Paging { n: number + 1 });
            outputs.push(Output::from(next));
        }
        Ok(outputs)
    }
}

crawl_core::main!(demo_site = "/api/quotes?page=1");

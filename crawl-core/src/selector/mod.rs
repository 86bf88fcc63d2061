//! Scrapy-style selectors: CSS queries with `::text` and `::attr(name)`, and XPath 1.0,
//! with the semantics of parsel (Scrapy's selector library), over a document shared between
//! tasks. Both kinds chain either way and end in the same `get`, `getall`, `re` and
//! `re_first`.
//!
//! ```
//! use crawl_core::selector::Document;
//!
//! let doc = Document::parse(
//!     r#"<div class="quote"><span class="text">Hi</span><a class="tag">x</a><a class="tag">y</a></div>
//!        <li class="next"><a href="/page/2/">Next</a></li>"#,
//! );
//! for quote in &doc.css("div.quote") {
//!     assert_eq!(quote.css("span.text::text").get().as_deref(), Some("Hi"));
//!     assert_eq!(quote.xpath(".//a[@class='tag']/text()").getall(), ["x", "y"]);
//! }
//! assert_eq!(doc.css("li.next").xpath("a/@href").get().as_deref(), Some("/page/2/"));
//! assert_eq!(doc.xpath("//li[@class='next']").css("a::text").get().as_deref(), Some("Next"));
//! assert_eq!(doc.xpath("count(//a)").get().as_deref(), Some("3.0"));
//! assert_eq!(doc.xpath("//a/@href").re_first(r"\d+").unwrap().as_deref(), Some("2"));
//! ```
//!
//! The guide's [selectors chapter](crate::_guide::selectors) spells out the semantics
//! (`h1::text` against `h1 ::text`, relative queries, `Selection::text`).
//!
//! Every type here is `Send + Sync + 'static` and borrows nothing: a [`Selection`] of an
//! element is the shared [`Document`] plus a node id, and each operation locks the
//! document once, does its work and returns owned data, so selections can be held across
//! `.await` points in `Send` futures.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use scraper::Html;

use crate::response::BodyCharge;

mod eval;
mod list;
mod parse;
#[cfg(test)]
mod props;
mod re;
#[cfg(test)]
mod tests;
mod xml;
mod xpath;

pub use crawl_dsl::css::{parse_query, ParsedQuery, PseudoElement, QueryError};
pub use list::{Selection, SelectorList};
pub(crate) use parse::DEFAULT_MAX_DEPTH;
pub use xml::XmlError;
pub use xpath::{XPath, XPathError};

/// An error from a selector query or a regular expression.
#[derive(Debug, thiserror::Error)]
pub enum SelectorError {
    /// The query does not parse.
    #[error("invalid selector: {0}")]
    Query(QueryError),
    /// The XPath expression does not parse, or cannot be evaluated (an undefined namespace
    /// prefix or variable).
    #[error("{0}")]
    XPath(XPathError),
    /// The pattern given to `re` or `re_first` does not compile.
    #[error("invalid regular expression `{pattern}`: {source}")]
    Regex {
        /// The pattern as given.
        pattern: String,
        /// Why it does not compile.
        source: regex::Error,
    },
}

impl From<QueryError> for SelectorError {
    fn from(error: QueryError) -> Self {
        SelectorError::Query(error)
    }
}

impl From<XPathError> for SelectorError {
    fn from(error: XPathError) -> Self {
        SelectorError::XPath(error)
    }
}

/// The prefix `xml`, bound in every document.
const XML_NAMESPACE: (&str, &str) = ("xml", "http://www.w3.org/XML/1998/namespace");

/// A parsed HTML or XML document, shared as `Arc<Document>` by all selections made from it.
pub struct Document {
    html: Mutex<Html>,
    /// Parsed as XML ([`Document::parse_xml`]): XPath names then match namespaces exactly.
    xml: bool,
    /// The namespace prefixes XPath expressions may use, besides `xml`.
    namespaces: Mutex<Vec<(String, String)>>,
    /// Whether the nodes are stored in document order (checked on the first whole-document
    /// query; see `eval::stored_in_order`).
    in_order: OnceLock<bool>,
    /// The tree's share of the crawl's memory budget, given back when the document goes.
    _charge: Option<BodyCharge>,
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Document { .. }")
    }
}

impl Document {
    /// Parses `html` as a whole document (never fails: malformed HTML is repaired as browsers
    /// do), nesting elements at most 512 deep as browsers do (`HTML_MAXDEPTH`): deeper start
    /// tags are dropped, their text kept.
    pub fn parse(html: &str) -> Arc<Document> {
        Document::parse_capped(html, parse::DEFAULT_MAX_DEPTH, None).document
    }

    /// Parses `html` nesting elements at most `max_depth` deep (0: no cap), the tree charged
    /// to `charge` when given (the rest of the page is dropped once the budget is spent), and
    /// says what the limits cut.
    pub(crate) fn parse_capped(
        html: &str,
        max_depth: usize,
        charge: Option<BodyCharge>,
    ) -> CappedParse {
        let parsed = parse::parse_document(html, max_depth, charge);
        CappedParse {
            document: Document::new(parsed.html, false, parsed.charge),
            cut: parsed.cut,
            over_budget: parsed.over_budget,
        }
    }

    /// Wraps an already parsed document.
    pub fn from_html(html: Html) -> Arc<Document> {
        Document::new(html, false, None)
    }

    fn new(html: Html, xml: bool, charge: Option<BodyCharge>) -> Arc<Document> {
        Arc::new(Document {
            html: Mutex::new(html),
            xml,
            namespaces: Mutex::new(vec![(XML_NAMESPACE.0.into(), XML_NAMESPACE.1.into())]),
            in_order: OnceLock::new(),
            _charge: charge,
        })
    }

    /// Whether this document was parsed as XML.
    pub fn is_xml(&self) -> bool {
        self.xml
    }

    /// Binds `prefix` to the namespace `uri` for the XPath expressions evaluated on this
    /// document (parsel's `register_namespace`), replacing an earlier binding of `prefix`.
    ///
    /// ```
    /// use crawl_core::selector::Document;
    ///
    /// let doc = Document::parse_xml(
    ///     r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/a</loc></url></urlset>"#,
    /// );
    /// assert!(doc.xpath("//url").is_empty());
    /// doc.register_namespace("s", "http://www.sitemaps.org/schemas/sitemap/0.9");
    /// assert_eq!(doc.xpath("//s:loc/text()").getall(), ["/a"]);
    /// ```
    pub fn register_namespace(&self, prefix: &str, uri: &str) {
        let mut namespaces = self
            .namespaces
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        namespaces.retain(|(p, _)| p != prefix);
        namespaces.push((prefix.to_owned(), uri.to_owned()));
    }

    /// The namespace bindings in force.
    fn namespaces(&self) -> Vec<(String, String)> {
        self.namespaces
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Selects with an XPath 1.0 expression, the document element as the context node (as
    /// parsel's top-level selector: `//a` and `/html/body` are absolute, `body/p` relative to
    /// `<html>`).
    ///
    /// # Panics
    /// If `xpath` is not valid or cannot be evaluated; use [`Document::try_xpath`] to get the
    /// error.
    pub fn xpath(self: &Arc<Self>, xpath: &str) -> SelectorList {
        self.try_xpath(xpath)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// [`Document::xpath`], returning an error for an invalid expression or one that cannot
    /// be evaluated.
    pub fn try_xpath(self: &Arc<Self>, xpath: &str) -> Result<SelectorList, SelectorError> {
        self.try_xpath_query(&XPath::cached(xpath)?)
    }

    /// [`Document::xpath`] with a compiled expression.
    ///
    /// # Panics
    /// If the expression cannot be evaluated (an undefined namespace prefix).
    pub fn xpath_query(self: &Arc<Self>, xpath: &XPath) -> SelectorList {
        self.try_xpath_query(xpath)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// [`Document::xpath_query`], returning evaluation errors.
    pub fn try_xpath_query(self: &Arc<Self>, xpath: &XPath) -> Result<SelectorList, SelectorError> {
        self.try_xpath_with(xpath, &[])
    }

    /// Evaluates a compiled expression with string variables bound (parsel's
    /// `xpath(query, name=value)`): `$name` reads `value`.
    ///
    /// ```
    /// use crawl_core::selector::{Document, XPath};
    ///
    /// let doc = Document::parse(r#"<a id="x">one</a><a id="y">two</a>"#);
    /// let by_id = XPath::new("//a[@id=$id]/text()").unwrap();
    /// let found = doc.try_xpath_with(&by_id, &[("id", "y")]).unwrap();
    /// assert_eq!(found.get().as_deref(), Some("two"));
    /// ```
    pub fn try_xpath_with(
        self: &Arc<Self>,
        xpath: &XPath,
        variables: &[(&str, &str)],
    ) -> Result<SelectorList, SelectorError> {
        let variables = owned(variables);
        let html = self.lock();
        let mut out = Vec::new();
        xpath::collect(self, &html, None, xpath, &variables, &mut out)?;
        Ok(SelectorList::from(out))
    }

    /// Selects with a Scrapy-style CSS query over the whole document.
    ///
    /// # Panics
    /// If `query` is not a valid selector; use [`Document::try_css`] to get the error.
    pub fn css(self: &Arc<Self>, query: &str) -> SelectorList {
        self.try_css(query)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// Selects with a query given at run time, returning an error if it does not parse.
    pub fn try_css(self: &Arc<Self>, query: &str) -> Result<SelectorList, SelectorError> {
        Ok(self.css_query(&Query::cached(query)?))
    }

    /// Selects with a compiled query over the whole document.
    pub fn css_query(self: &Arc<Self>, query: &Query) -> SelectorList {
        let html = self.lock();
        let mut out = Vec::new();
        list::collect(self, &html, None, query, &mut out);
        SelectorList::from(out)
    }

    /// Serializes the whole document back to HTML.
    pub fn html(&self) -> String {
        self.lock().html()
    }

    /// Whether `html` (this document, locked) is stored in document order.
    fn stored_in_order(&self, html: &Html) -> bool {
        *self.in_order.get_or_init(|| eval::stored_in_order(html))
    }

    /// Runs `f` on the parsed tree (for code in this crate that walks it with scraper's own
    /// API, e.g. `FormRequest::from_response`).
    pub(crate) fn with_html<R>(&self, f: impl FnOnce(&Html) -> R) -> R {
        f(&self.lock())
    }

    /// Locks the document; a panic in another holder does not make it unusable, since
    /// nothing here leaves the tree half-changed.
    fn lock(&self) -> MutexGuard<'_, Html> {
        self.html.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Variables as owned pairs.
fn owned(variables: &[(&str, &str)]) -> Vec<(String, String)> {
    variables
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

/// A document parsed by [`Document::parse_capped`].
pub(crate) struct CappedParse {
    /// The document.
    pub document: Arc<Document>,
    /// Start tags dropped because they would have nested deeper than the cap.
    pub cut: u64,
    /// Tokens dropped because the tree reached the memory budget.
    pub over_budget: u64,
}

/// A compiled query: parse once, evaluate many times. Cloning is cheap (shared).
#[derive(Clone)]
pub struct Query {
    inner: Arc<QueryInner>,
}

struct QueryInner {
    text: Box<str>,
    parsed: ParsedQuery,
}

impl fmt::Debug for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Query").field(&self.as_str()).finish()
    }
}

/// How many parsed queries each thread keeps for [`Document::css`] and friends.
const QUERY_CACHE_SIZE: usize = 256;

thread_local! {
    static QUERIES: RefCell<HashMap<Box<str>, Query>> = RefCell::new(HashMap::new());
}

impl Query {
    /// Parses and validates `query`.
    pub fn new(query: &str) -> Result<Query, SelectorError> {
        let parsed = crawl_dsl::css::parse_query(query)?;
        Ok(Query {
            inner: Arc::new(QueryInner {
                text: query.into(),
                parsed,
            }),
        })
    }

    /// [`Query::new`] through a small per-thread cache, so that the string form of `css`
    /// does not re-parse a query used on every page.
    pub(crate) fn cached(query: &str) -> Result<Query, SelectorError> {
        if let Some(hit) = QUERIES.with(|cache| cache.borrow().get(query).cloned()) {
            return Ok(hit);
        }
        let compiled = Query::new(query)?;
        QUERIES.with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.len() >= QUERY_CACHE_SIZE {
                cache.clear();
            }
            cache.insert(query.into(), compiled.clone());
        });
        Ok(compiled)
    }

    /// The query as written.
    pub fn as_str(&self) -> &str {
        &self.inner.text
    }

    /// The parsed form: CSS, pseudo-element and compiled selectors.
    pub fn parsed(&self) -> &ParsedQuery {
        &self.inner.parsed
    }
}

impl std::str::FromStr for Query {
    type Err = SelectorError;

    fn from_str(query: &str) -> Result<Query, SelectorError> {
        Query::new(query)
    }
}

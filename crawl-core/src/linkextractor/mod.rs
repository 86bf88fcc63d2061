//! Link extractors and crawl rules (Scrapy's `LinkExtractor`, `Rule` and `CrawlSpider`).
//!
//! A [`LinkExtractor`] finds the links of a response that pass its filters; use it from any
//! callback. [`Rules`] apply several extractors in order and turn their links into requests,
//! each for the callback of the rule that found it, following links further only from
//! responses whose rule says so.
//!
//! ```
//! use crawl_core::linkextractor::LinkExtractor;
//! # use crawl_core::{Request, Response};
//! # let html = r#"<a href="/page/2/">Next</a> <a href="/login">Login</a> <a href="/a.pdf">PDF</a>
//! #   <a href="http://other.example/page/3/">Elsewhere</a>"#;
//! # let response = Response::new(Request::get("http://quotes.example/").unwrap(),
//! #     "http://quotes.example/".parse().unwrap(), http::StatusCode::OK, Default::default(), html.into());
//!
//! let extractor = LinkExtractor::builder()
//!     .allow(r"/page/\d+/")
//!     .allow_domains(["quotes.example"])
//!     .build()
//!     .unwrap();
//! let links = extractor.extract_links(&response);
//! assert_eq!(links.len(), 1);
//! assert_eq!(links[0].url.as_str(), "http://quotes.example/page/2/");
//! assert_eq!(links[0].text, "Next");
//! ```

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use regex::Regex;
use url::Url;

use crate::selector::{Query, XPath};
use crate::Response;

mod filters;
mod rules;
#[cfg(test)]
mod tests;

pub use filters::{canonicalize_url, IGNORED_EXTENSIONS};
pub use rules::{Rule, Rules};

/// A link found in a page.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Link {
    /// The absolute URL (canonicalized if the extractor canonicalizes).
    pub url: Url,
    /// The text of the element, whitespace trimmed.
    pub text: String,
    /// The URL's fragment, without `#` (empty when none).
    pub fragment: String,
    /// Whether the element has `rel="nofollow"`.
    pub nofollow: bool,
}

/// Changes or drops (with `None`) each attribute value before it is resolved as a URL.
pub type ProcessValue = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Finds the links of a response that pass its filters (Scrapy's `LinkExtractor`). Build
/// one with [`LinkExtractor::builder`]; [`LinkExtractor::default`] takes every `href` of `<a>`
/// and `<area>` but those to the [`IGNORED_EXTENSIONS`].
#[derive(Clone)]
pub struct LinkExtractor {
    allow: Vec<Regex>,
    deny: Vec<Regex>,
    allow_domains: Vec<String>,
    deny_domains: Vec<String>,
    deny_extensions: HashSet<String>,
    restrict_css: Vec<Query>,
    restrict_xpaths: Vec<XPath>,
    restrict_text: Vec<Regex>,
    elements: Query,
    attrs: Vec<String>,
    canonicalize: bool,
    unique: bool,
    process_value: Option<ProcessValue>,
}

impl fmt::Debug for LinkExtractor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkExtractor")
            .field("allow", &self.allow)
            .field("deny", &self.deny)
            .field("allow_domains", &self.allow_domains)
            .field("deny_domains", &self.deny_domains)
            .field("restrict_css", &self.restrict_css)
            .field("restrict_xpaths", &self.restrict_xpaths)
            .field("elements", &self.elements)
            .field("attrs", &self.attrs)
            .field("canonicalize", &self.canonicalize)
            .field("unique", &self.unique)
            .finish_non_exhaustive()
    }
}

impl Default for LinkExtractor {
    fn default() -> Self {
        match LinkExtractor::builder().build() {
            Ok(extractor) => extractor,
            Err(error) => unreachable!("the default extractor builds: {error}"),
        }
    }
}

impl LinkExtractor {
    /// A builder with Scrapy's defaults: `<a>` and `<area>` elements, their `href`, unique
    /// links, no canonicalization, [`IGNORED_EXTENSIONS`] denied.
    pub fn builder() -> LinkExtractorBuilder {
        LinkExtractorBuilder {
            allow: Vec::new(),
            deny: Vec::new(),
            allow_domains: Vec::new(),
            deny_domains: Vec::new(),
            deny_extensions: None,
            restrict_css: Vec::new(),
            restrict_xpaths: Vec::new(),
            restrict_text: Vec::new(),
            tags: vec!["a".into(), "area".into()],
            attrs: vec!["href".into()],
            canonicalize: false,
            unique: true,
            process_value: None,
        }
    }

    /// The links of `response` that pass the filters, in document order.
    pub fn extract_links(&self, response: &Response) -> Vec<Link> {
        let base = response
            .css("base::attr(href)")
            .get()
            .and_then(|href| response.url.join(href.trim()).ok())
            .unwrap_or_else(|| response.url.clone());
        let regions = if self.restrict_css.is_empty() && self.restrict_xpaths.is_empty() {
            vec![response.css_query(&self.elements)]
        } else {
            // Regions are searched in document order, each link taken once (by `unique`, or
            // by being in one region only when regions do not nest).
            let by_css = self.restrict_css.iter().flat_map(|q| response.css_query(q));
            let by_xpath = self
                .restrict_xpaths
                .iter()
                .flat_map(|xpath| response.xpath_query(xpath));
            by_css
                .chain(by_xpath)
                .map(|region| region.css_query(&self.elements))
                .collect()
        };
        let mut seen = HashSet::new();
        let mut links = Vec::new();
        for element in regions.iter().flatten() {
            for attr in &self.attrs {
                let Some(value) = element.attr(attr) else {
                    continue;
                };
                let Some(link) = self.link(&base, value.trim(), element) else {
                    continue;
                };
                if !self.unique || seen.insert(link.url.clone()) {
                    links.push(link);
                }
            }
        }
        links
    }

    fn link(&self, base: &Url, value: &str, element: &crate::Selection) -> Option<Link> {
        let value = match &self.process_value {
            Some(process) => process(value)?,
            None => value.to_owned(),
        };
        let url = base.join(&value).ok()?;
        let text = element.text().trim().to_owned();
        if !self.allowed(&url, &text) {
            return None;
        }
        let url = if self.canonicalize {
            canonicalize_url(&url)
        } else {
            url
        };
        let nofollow = element.attr("rel").is_some_and(|rel| {
            rel.split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case("nofollow"))
        });
        Some(Link {
            fragment: url.fragment().unwrap_or_default().to_owned(),
            url,
            text,
            nofollow,
        })
    }

    /// Scrapy's `_link_allowed`: the URL filters, then the link text's.
    fn allowed(&self, url: &Url, text: &str) -> bool {
        self.matches(url)
            && (self.restrict_text.is_empty()
                || self.restrict_text.iter().any(|re| re.is_match(text)))
    }

    /// Whether `url` passes the URL filters: an http, https, file or ftp scheme, an `allow`
    /// pattern (if any) and no `deny` pattern, an allowed domain (if any) and no denied one,
    /// no denied extension.
    pub fn matches(&self, url: &Url) -> bool {
        let any = |res: &[Regex]| res.iter().any(|re| re.is_match(url.as_str()));
        filters::valid_scheme(url)
            && (self.allow.is_empty() || any(&self.allow))
            && !any(&self.deny)
            && (self.allow_domains.is_empty() || filters::from_any_domain(url, &self.allow_domains))
            && !filters::from_any_domain(url, &self.deny_domains)
            && !self.deny_extensions.contains(&filters::extension(url))
    }
}

/// A pattern as given or already compiled.
#[derive(Clone, Debug)]
enum Pattern {
    Text(String),
    Compiled(Regex),
}

fn compile(patterns: &[Pattern]) -> Result<Vec<Regex>, crate::Error> {
    patterns
        .iter()
        .map(|pattern| match pattern {
            Pattern::Compiled(regex) => Ok(regex.clone()),
            Pattern::Text(text) => crate::Error::regex(text),
        })
        .collect()
}

/// Builds a [`LinkExtractor`]; [`build`](LinkExtractorBuilder::build) reports an invalid
/// regular expression or CSS selector.
#[derive(Clone)]
#[must_use = "call `.build()` to get the extractor"]
pub struct LinkExtractorBuilder {
    allow: Vec<Pattern>,
    deny: Vec<Pattern>,
    allow_domains: Vec<String>,
    deny_domains: Vec<String>,
    deny_extensions: Option<Vec<String>>,
    restrict_css: Vec<String>,
    restrict_xpaths: Vec<String>,
    restrict_text: Vec<Pattern>,
    tags: Vec<String>,
    attrs: Vec<String>,
    canonicalize: bool,
    unique: bool,
    process_value: Option<ProcessValue>,
}

impl fmt::Debug for LinkExtractorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkExtractorBuilder")
            .field("allow", &self.allow)
            .field("deny", &self.deny)
            .finish_non_exhaustive()
    }
}

impl LinkExtractorBuilder {
    /// Extracts only URLs a regular expression matches (searched anywhere in the URL); each
    /// call adds one.
    pub fn allow(mut self, pattern: &str) -> Self {
        self.allow.push(Pattern::Text(pattern.to_owned()));
        self
    }

    /// [`allow`](Self::allow) with a compiled regex.
    pub fn allow_regex(mut self, regex: Regex) -> Self {
        self.allow.push(Pattern::Compiled(regex));
        self
    }

    /// Never extracts URLs this regular expression matches (deny wins over allow).
    pub fn deny(mut self, pattern: &str) -> Self {
        self.deny.push(Pattern::Text(pattern.to_owned()));
        self
    }

    /// [`deny`](Self::deny) with a compiled regex.
    pub fn deny_regex(mut self, regex: Regex) -> Self {
        self.deny.push(Pattern::Compiled(regex));
        self
    }

    /// Extracts only URLs of these domains or their subdomains.
    pub fn allow_domains<S: Into<String>>(mut self, domains: impl IntoIterator<Item = S>) -> Self {
        self.allow_domains
            .extend(domains.into_iter().map(Into::into));
        self
    }

    /// Never extracts URLs of these domains or their subdomains.
    pub fn deny_domains<S: Into<String>>(mut self, domains: impl IntoIterator<Item = S>) -> Self {
        self.deny_domains
            .extend(domains.into_iter().map(Into::into));
        self
    }

    /// Extensions (without the dot) of URLs never extracted, replacing
    /// [`IGNORED_EXTENSIONS`]; an empty list extracts every extension.
    pub fn deny_extensions<S: Into<String>>(
        mut self,
        extensions: impl IntoIterator<Item = S>,
    ) -> Self {
        self.deny_extensions = Some(extensions.into_iter().map(Into::into).collect());
        self
    }

    /// Looks for links only inside the elements this CSS selector matches; each call adds a
    /// region.
    pub fn restrict_css(mut self, css: &str) -> Self {
        self.restrict_css.push(css.to_owned());
        self
    }

    /// Looks for links only inside the elements this XPath 1.0 expression selects (Scrapy's
    /// `restrict_xpaths`); each call adds a region, as does each `restrict_css`.
    pub fn restrict_xpaths(mut self, xpath: &str) -> Self {
        self.restrict_xpaths.push(xpath.to_owned());
        self
    }

    /// Extracts only links whose text this regular expression matches.
    pub fn restrict_text(mut self, pattern: &str) -> Self {
        self.restrict_text.push(Pattern::Text(pattern.to_owned()));
        self
    }

    /// The element names to take links from (default `a` and `area`).
    pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// The attributes that hold links (default `href`).
    pub fn attrs<S: Into<String>>(mut self, attrs: impl IntoIterator<Item = S>) -> Self {
        self.attrs = attrs.into_iter().map(Into::into).collect();
        self
    }

    /// Canonicalizes each URL ([`canonicalize_url`]: sorted query, no fragment).
    pub fn canonicalize(mut self, canonicalize: bool) -> Self {
        self.canonicalize = canonicalize;
        self
    }

    /// Drops links whose URL was already extracted (default `true`).
    pub fn unique(mut self, unique: bool) -> Self {
        self.unique = unique;
        self
    }

    /// Changes each attribute value before it becomes a URL; `None` drops the link.
    pub fn process_value(
        mut self,
        process: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.process_value = Some(Arc::new(process));
        self
    }

    /// The extractor, or the first regular expression or selector that does not compile.
    pub fn build(self) -> Result<LinkExtractor, crate::Error> {
        let restrict_css = self
            .restrict_css
            .iter()
            .map(|css| Query::new(css))
            .collect::<Result<Vec<_>, _>>()?;
        let elements = Query::new(&self.tags.join(", "))?;
        let deny_extensions = match self.deny_extensions {
            Some(list) => list
                .iter()
                .map(|e| e.trim_start_matches('.').to_ascii_lowercase())
                .collect(),
            None => IGNORED_EXTENSIONS.iter().map(|e| (*e).to_owned()).collect(),
        };
        let restrict_xpaths = self
            .restrict_xpaths
            .iter()
            .map(|xpath| XPath::new(xpath))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(LinkExtractor {
            allow: compile(&self.allow)?,
            deny: compile(&self.deny)?,
            allow_domains: self.allow_domains,
            deny_domains: self.deny_domains,
            deny_extensions,
            restrict_css,
            restrict_xpaths,
            restrict_text: compile(&self.restrict_text)?,
            elements,
            attrs: self.attrs,
            canonicalize: self.canonicalize,
            unique: self.unique,
            process_value: self.process_value,
        })
    }
}

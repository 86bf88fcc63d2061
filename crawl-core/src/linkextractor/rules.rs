//! Crawl rules (Scrapy's `Rule` and the link-following half of `CrawlSpider`).

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use super::{Link, LinkExtractor};
use crate::{Callback, Request, Response};

/// Filters or changes the links a rule found before they become requests.
pub type ProcessLinks = Arc<dyn Fn(Vec<Link>) -> Vec<Link> + Send + Sync>;

/// Changes or drops (with `None`) a request a rule built, given the response it came from.
pub type ProcessRequest = Arc<dyn Fn(Request, &Response) -> Option<Request> + Send + Sync>;

/// Meta key: the index of the rule whose link led to a request.
pub const RULE_META: &str = "rule";
/// Meta key: the text of the link that led to a request.
pub const LINK_TEXT_META: &str = "link_text";

/// One crawl rule: an extractor, the callback its links go to, and whether the pages they
/// lead to are followed further (by default only when there is no callback, as in Scrapy).
#[derive(Clone)]
pub struct Rule {
    extractor: LinkExtractor,
    callback: Option<Callback>,
    follow: Option<bool>,
    process_links: Option<ProcessLinks>,
    process_request: Option<ProcessRequest>,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("extractor", &self.extractor)
            .field("callback", &self.callback)
            .field("follow", &self.follows())
            .finish_non_exhaustive()
    }
}

impl Rule {
    /// A rule following the links `extractor` finds, with no callback of its own.
    pub fn new(extractor: LinkExtractor) -> Self {
        Rule {
            extractor,
            callback: None,
            follow: None,
            process_links: None,
            process_request: None,
        }
    }

    /// Sends the responses of this rule's links to `callback` (which then follows their
    /// links only if [`follow`](Rule::follow) says so).
    pub fn with_callback(mut self, callback: Callback) -> Self {
        self.callback = Some(callback);
        self
    }

    /// Whether the responses of this rule's links are followed further.
    pub fn follow(mut self, follow: bool) -> Self {
        self.follow = Some(follow);
        self
    }

    /// Filters or changes the links found before they become requests.
    pub fn process_links(
        mut self,
        process: impl Fn(Vec<Link>) -> Vec<Link> + Send + Sync + 'static,
    ) -> Self {
        self.process_links = Some(Arc::new(process));
        self
    }

    /// Changes or drops each request built.
    pub fn process_request(
        mut self,
        process: impl Fn(Request, &Response) -> Option<Request> + Send + Sync + 'static,
    ) -> Self {
        self.process_request = Some(Arc::new(process));
        self
    }

    /// Whether the pages this rule reaches are followed further.
    pub fn follows(&self) -> bool {
        self.follow.unwrap_or(self.callback.is_none())
    }

    /// The rule's link extractor.
    pub fn extractor(&self) -> &LinkExtractor {
        &self.extractor
    }
}

/// A spider's rules in order: call [`Rules::requests`] from every callback (start URLs'
/// included) to follow links as Scrapy's `CrawlSpider` does.
///
/// ```
/// use crawl_core::linkextractor::{LinkExtractor, Rule, Rules};
/// use crawl_core::Callback;
///
/// let rules = Rules::new(
///     [
///         Rule::new(LinkExtractor::builder().allow(r"/page/").build().unwrap()),
///         Rule::new(LinkExtractor::builder().allow(r"/author/").build().unwrap())
///             .with_callback(Callback::from_static("parse_author")),
///     ],
///     Callback::PARSE,
/// );
/// assert_eq!(rules.len(), 2);
/// ```
#[derive(Clone, Debug)]
pub struct Rules {
    rules: Vec<Rule>,
    follow_callback: Callback,
}

impl Rules {
    /// `rules`, in order; the links of a rule without a callback go to `follow_callback`
    /// (a callback that calls [`Rules::requests`], usually `parse`).
    pub fn new(rules: impl IntoIterator<Item = Rule>, follow_callback: Callback) -> Self {
        Rules {
            rules: rules.into_iter().collect(),
            follow_callback,
        }
    }

    /// How many rules there are.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rule whose link led to `response` (none for a start URL).
    pub fn rule_of(&self, response: &Response) -> Option<&Rule> {
        let index = response.meta().get(RULE_META)?.as_u64()?;
        self.rules.get(usize::try_from(index).ok()?)
    }

    /// The requests for the links of `response`, unless the rule that led to it does not
    /// follow: each rule in order takes the links no earlier rule took, passes them through
    /// its `process_links`, and builds a request per link for its callback (with the rule's
    /// index under `rule` and the link's text under `link_text` in meta), passed through its
    /// `process_request`.
    pub fn requests(&self, response: &Response) -> Vec<Request> {
        if self.rule_of(response).is_some_and(|rule| !rule.follows()) {
            return Vec::new();
        }
        let mut seen: HashSet<Link> = HashSet::new();
        let mut requests = Vec::new();
        for (index, rule) in self.rules.iter().enumerate() {
            let links: Vec<Link> = rule
                .extractor
                .extract_links(response)
                .into_iter()
                .filter(|link| !seen.contains(link))
                .collect();
            let links = match &rule.process_links {
                Some(process) => process(links),
                None => links,
            };
            for link in links {
                let callback = rule
                    .callback
                    .clone()
                    .unwrap_or_else(|| self.follow_callback.clone());
                let request = Request::new(link.url.clone())
                    .with_callback(callback)
                    .with_meta(RULE_META, index)
                    .with_meta(LINK_TEXT_META, link.text.clone());
                seen.insert(link);
                let request = match &rule.process_request {
                    Some(process) => process(request, response),
                    None => Some(request),
                };
                requests.extend(request);
            }
        }
        requests
    }
}

//! Query results: [`Selection`] and [`SelectorList`], modelled on parsel's `Selector` and
//! `SelectorList`; CSS and XPath queries chain on both, either way.

use std::fmt;
use std::sync::{Arc, MutexGuard};

use ego_tree::NodeId;
use scraper::{ElementRef, Html};

use super::eval::{self, Hit};
use super::{owned, re, xpath, Document, Query, SelectorError, XPath};

/// One result of a query: an element, or a text node's text or an attribute's value.
#[derive(Clone)]
pub struct Selection(Item);

#[derive(Clone)]
enum Item {
    Element(Arc<Document>, NodeId),
    Value(String),
}

impl fmt::Debug for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Item::Element(_, id) => f.debug_tuple("Element").field(id).finish(),
            Item::Value(value) => f.debug_tuple("Value").field(value).finish(),
        }
    }
}

/// Appends the results of `query` over `html` (the locked `doc`) to `out`.
pub(crate) fn collect(
    doc: &Arc<Document>,
    html: &Html,
    context: Option<NodeId>,
    query: &Query,
    out: &mut Vec<Selection>,
) {
    let in_order = context.is_none() && doc.stored_in_order(html);
    eval::select(html, in_order, context, query.parsed(), |hit| {
        out.push(Selection(match hit {
            Hit::Element(id) => Item::Element(Arc::clone(doc), id),
            Hit::Value(value) => Item::Value(value.to_owned()),
        }))
    });
}

fn element(html: &Html, id: NodeId) -> Option<ElementRef<'_>> {
    html.tree.get(id).and_then(ElementRef::wrap)
}

/// An element's outer HTML; for the document node (XPath's `/`), the whole document's.
fn outer_html(html: &Html, id: NodeId) -> String {
    match element(html, id) {
        Some(element) => element.html(),
        None if html.tree.get(id).is_some_and(|n| n.parent().is_none()) => html.html(),
        None => String::new(),
    }
}

/// Keeps the current document locked while a list is walked, so that a list from one
/// document takes the lock once; another document's lock is taken only after releasing it.
#[derive(Default)]
struct Locked<'a> {
    doc: Option<&'a Arc<Document>>,
    guard: Option<MutexGuard<'a, Html>>,
}

impl<'a> Locked<'a> {
    fn html(&mut self, doc: &'a Arc<Document>) -> &Html {
        if !self.doc.is_some_and(|held| Arc::ptr_eq(held, doc)) {
            self.guard = None;
            self.doc = Some(doc);
        }
        self.guard.get_or_insert_with(|| doc.lock())
    }

    /// Runs `f` on the selection's text: a value as is, an element as its outer HTML.
    fn with_text<R>(&mut self, selection: &'a Selection, f: impl FnOnce(&str) -> R) -> R {
        match &selection.0 {
            Item::Value(value) => f(value),
            Item::Element(doc, id) => f(&outer_html(self.html(doc), *id)),
        }
    }
}

impl Selection {
    /// An element (or the document node) of `doc`.
    pub(super) fn element(doc: Arc<Document>, id: NodeId) -> Selection {
        Selection(Item::Element(doc, id))
    }

    /// The node of an element selection (`None` for a value).
    pub(crate) fn node_id(&self) -> Option<NodeId> {
        match &self.0 {
            Item::Element(_, id) => Some(*id),
            Item::Value(_) => None,
        }
    }

    /// A text or attribute value, or a number, boolean or string result.
    pub(super) fn value(value: String) -> Selection {
        Selection(Item::Value(value))
    }

    /// Selects with an XPath 1.0 expression, this element as the context node: `.//a` and
    /// `a` are relative to it, `//a` searches the whole document (as in parsel). A value
    /// selection yields an empty list.
    ///
    /// ```
    /// use crawl_core::selector::Document;
    ///
    /// let doc = Document::parse("<ul><li>a</li><li>b</li></ul><p>c</p>");
    /// let list = doc.css("ul").first().cloned().unwrap();
    /// assert_eq!(list.xpath("li[last()]/text()").getall(), ["b"]);
    /// assert_eq!(list.xpath("following-sibling::p/text()").getall(), ["c"]);
    /// ```
    ///
    /// # Panics
    /// If `xpath` is not valid (a literal in a `#[spider]` body is checked while compiling)
    /// or cannot be evaluated; use [`Selection::try_xpath`] for expressions built at run time.
    pub fn xpath(&self, xpath: &str) -> SelectorList {
        self.try_xpath(xpath)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// [`Selection::xpath`], returning an error for an invalid expression.
    pub fn try_xpath(&self, xpath: &str) -> Result<SelectorList, SelectorError> {
        self.try_xpath_query(&XPath::cached(xpath)?)
    }

    /// [`Selection::xpath`] with a compiled expression.
    ///
    /// # Panics
    /// If the expression cannot be evaluated (an undefined namespace prefix).
    pub fn xpath_query(&self, xpath: &XPath) -> SelectorList {
        self.try_xpath_query(xpath)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// [`Selection::xpath_query`], returning evaluation errors.
    pub fn try_xpath_query(&self, xpath: &XPath) -> Result<SelectorList, SelectorError> {
        self.try_xpath_with(xpath, &[])
    }

    /// [`Selection::xpath_query`] with string variables bound: `$name` reads `value`.
    pub fn try_xpath_with(
        &self,
        xpath: &XPath,
        variables: &[(&str, &str)],
    ) -> Result<SelectorList, SelectorError> {
        let mut out = Vec::new();
        if let Item::Element(doc, id) = &self.0 {
            xpath::collect(
                doc,
                &doc.lock(),
                Some(*id),
                xpath,
                &owned(variables),
                &mut out,
            )?;
        }
        Ok(SelectorList(out))
    }

    /// Selects with a query relative to this element: it and its descendants can match
    /// (parsel's `descendant-or-self::`). A value selection yields an empty list.
    ///
    /// # Panics
    /// If `query` is not a valid selector (a literal in a `#[spider]` body is checked while
    /// compiling); use [`Selection::try_css`] for queries built at run time.
    pub fn css(&self, query: &str) -> SelectorList {
        self.try_css(query)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// [`Selection::css`], returning an error for an invalid query.
    pub fn try_css(&self, query: &str) -> Result<SelectorList, SelectorError> {
        Ok(self.css_query(&Query::cached(query)?))
    }

    /// [`Selection::css`] with a compiled query.
    pub fn css_query(&self, query: &Query) -> SelectorList {
        let mut out = Vec::new();
        if let Item::Element(doc, id) = &self.0 {
            collect(doc, &doc.lock(), Some(*id), query, &mut out);
        }
        SelectorList(out)
    }

    /// An element's outer HTML, or the value itself.
    pub fn get(&self) -> String {
        Locked::default().with_text(self, str::to_owned)
    }

    /// The value of an element's attribute (`None` for a missing one or for a value).
    pub fn attr(&self, name: &str) -> Option<String> {
        match &self.0 {
            Item::Element(doc, id) => {
                element(&doc.lock(), *id).and_then(|e| e.attr(name).map(str::to_owned))
            }
            Item::Value(_) => None,
        }
    }

    /// All the text inside an element (or the document node), concatenated in document
    /// order; a value as is.
    pub fn text(&self) -> String {
        match &self.0 {
            Item::Element(doc, id) => doc
                .lock()
                .tree
                .get(*id)
                .map(|node| {
                    let texts = node.descendants().filter_map(|n| n.value().as_text());
                    texts.map(|t| &**t).collect()
                })
                .unwrap_or_default(),
            Item::Value(value) => value.clone(),
        }
    }

    /// What `pattern` extracts from [`Selection::get`]: group 1 of each match when the
    /// pattern has one group (every group, in order, when it has several; only the group
    /// named `extract` of the first match when there is one), else each whole match.
    pub fn re(&self, pattern: &str) -> Result<Vec<String>, SelectorError> {
        let regex = re::compile(pattern)?;
        let mut out = Vec::new();
        Locked::default().with_text(self, |text| re::extract(&regex, text, &mut out));
        Ok(out)
    }

    /// The first of what [`Selection::re`] returns.
    pub fn re_first(&self, pattern: &str) -> Result<Option<String>, SelectorError> {
        let regex = re::compile(pattern)?;
        Ok(Locked::default().with_text(self, |text| re::first(&regex, text)))
    }

    /// Whether this is an element (else a text or attribute value).
    pub fn is_element(&self) -> bool {
        matches!(self.0, Item::Element(..))
    }

    /// The text or attribute value, borrowed; `None` for an element.
    pub fn as_value(&self) -> Option<&str> {
        match &self.0 {
            Item::Value(value) => Some(value),
            Item::Element(..) => None,
        }
    }
}

/// The results of a query, in document order.
#[derive(Clone, Debug, Default)]
pub struct SelectorList(Vec<Selection>);

impl SelectorList {
    /// Applies the query to each selection and concatenates the results.
    ///
    /// # Panics
    /// If `query` is not a valid selector; use [`SelectorList::try_css`] for queries built
    /// at run time.
    pub fn css(&self, query: &str) -> SelectorList {
        self.try_css(query)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// [`SelectorList::css`], returning an error for an invalid query.
    pub fn try_css(&self, query: &str) -> Result<SelectorList, SelectorError> {
        Ok(self.css_query(&Query::cached(query)?))
    }

    /// [`SelectorList::css`] with a compiled query.
    pub fn css_query(&self, query: &Query) -> SelectorList {
        let mut locked = Locked::default();
        let mut out = Vec::new();
        for selection in &self.0 {
            if let Item::Element(doc, id) = &selection.0 {
                collect(doc, locked.html(doc), Some(*id), query, &mut out);
            }
        }
        SelectorList(out)
    }

    /// Applies the XPath expression to each selection and concatenates the results.
    ///
    /// # Panics
    /// If `xpath` is not valid or cannot be evaluated; use [`SelectorList::try_xpath`] for
    /// expressions built at run time.
    pub fn xpath(&self, xpath: &str) -> SelectorList {
        self.try_xpath(xpath)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// [`SelectorList::xpath`], returning an error for an invalid expression.
    pub fn try_xpath(&self, xpath: &str) -> Result<SelectorList, SelectorError> {
        self.try_xpath_query(&XPath::cached(xpath)?)
    }

    /// [`SelectorList::xpath`] with a compiled expression.
    ///
    /// # Panics
    /// If the expression cannot be evaluated (an undefined namespace prefix).
    pub fn xpath_query(&self, xpath: &XPath) -> SelectorList {
        self.try_xpath_query(xpath)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// [`SelectorList::xpath_query`], returning evaluation errors.
    pub fn try_xpath_query(&self, xpath: &XPath) -> Result<SelectorList, SelectorError> {
        self.try_xpath_with(xpath, &[])
    }

    /// [`SelectorList::xpath_query`] with string variables bound: `$name` reads `value`.
    pub fn try_xpath_with(
        &self,
        xpath: &XPath,
        variables: &[(&str, &str)],
    ) -> Result<SelectorList, SelectorError> {
        let variables = owned(variables);
        let mut locked = Locked::default();
        let mut out = Vec::new();
        for selection in &self.0 {
            if let Item::Element(doc, id) = &selection.0 {
                xpath::collect(
                    doc,
                    locked.html(doc),
                    Some(*id),
                    xpath,
                    &variables,
                    &mut out,
                )?;
            }
        }
        Ok(SelectorList(out))
    }

    /// The first selection's [`Selection::get`], `None` for an empty list.
    pub fn get(&self) -> Option<String> {
        self.0.first().map(Selection::get)
    }

    /// Every selection's [`Selection::get`], in order.
    pub fn getall(&self) -> Vec<String> {
        let mut locked = Locked::default();
        self.0
            .iter()
            .map(|s| locked.with_text(s, str::to_owned))
            .collect()
    }

    /// [`Selection::re`] over every selection, flattened.
    pub fn re(&self, pattern: &str) -> Result<Vec<String>, SelectorError> {
        let regex = re::compile(pattern)?;
        let mut locked = Locked::default();
        let mut out = Vec::new();
        for selection in &self.0 {
            locked.with_text(selection, |text| re::extract(&regex, text, &mut out));
        }
        Ok(out)
    }

    /// The first of what [`SelectorList::re`] returns, looking no further than needed.
    pub fn re_first(&self, pattern: &str) -> Result<Option<String>, SelectorError> {
        let regex = re::compile(pattern)?;
        let mut locked = Locked::default();
        Ok(self
            .0
            .iter()
            .find_map(|s| locked.with_text(s, |text| re::first(&regex, text))))
    }

    /// The first selection's attribute `name` (parsel's `attrib` of the first).
    pub fn attr(&self, name: &str) -> Option<String> {
        self.0.first()?.attr(name)
    }

    /// How many selections there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The selections, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Selection> {
        self.0.iter()
    }

    /// The first selection.
    pub fn first(&self) -> Option<&Selection> {
        self.0.first()
    }

    /// The selections as a slice.
    pub fn as_slice(&self) -> &[Selection] {
        &self.0
    }
}

impl From<Vec<Selection>> for SelectorList {
    fn from(selections: Vec<Selection>) -> Self {
        SelectorList(selections)
    }
}

impl FromIterator<Selection> for SelectorList {
    fn from_iter<I: IntoIterator<Item = Selection>>(iter: I) -> Self {
        SelectorList(iter.into_iter().collect())
    }
}

impl IntoIterator for SelectorList {
    type Item = Selection;
    type IntoIter = std::vec::IntoIter<Selection>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a SelectorList {
    type Item = &'a Selection;
    type IntoIter = std::slice::Iter<'a, Selection>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

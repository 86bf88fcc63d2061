//! XPath 1.0 over the same documents as the CSS queries, with parsel's results.
//!
//! The grammar lives in the `crawl-xpath` crate (shared with the macros, which check literal
//! expressions while compiling); this module evaluates parsed expressions over scraper's
//! tree: `node` is XPath's view of the tree (axes, string-values, names), `eval` the
//! expressions and `functions` the function library.
//!
//! What a query gives, as in parsel: elements (and the document node, for `/`) stay
//! [`Selection`]s that can be queried further; text nodes and attributes give their text,
//! comments and processing instructions their markup; a number gives Python's `str` of it
//! (`count(//a)` → `3.0`), a boolean `1` or `0`, a string itself.
//!
//! Besides XPath 1.0's core functions there are parsel's `has-class('a', 'b')` and EXSLT's
//! `re:test(string, pattern, 'i'?)`; `$name` variables are bound with `try_xpath_with`.
//!
//! Where results differ from parsel's (lxml's tree):
//! - HTML is parsed as browsers parse it (html5ever): tables get their implied `<tbody>`, so
//!   `//table/tr` finds nothing where lxml finds rows; write `//table//tr`. CSS sees the
//!   same tree.
//! - An element's attributes come in name order, not source order (`@*`).
//! - The `namespace::` axis is always empty.
//! - An XML element's `get()` is its markup without namespace prefixes or declarations.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crawl_xpath::Expr;
use ego_tree::NodeId;
use scraper::{Html, Node};

pub use crawl_xpath::XPathError;

use super::list::Selection;
use super::{Document, SelectorError};

mod eval;
mod functions;
mod node;
#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
mod value;

use eval::{Context, Env};
use node::XNode;
use value::{python_float, Value};

/// A compiled XPath expression: parse once, evaluate many times. Cloning is cheap.
///
/// ```
/// use crawl_core::selector::{Document, XPath};
///
/// let titles = XPath::new("//h1/text()").unwrap();
/// let doc = Document::parse("<h1>Hello</h1>");
/// assert_eq!(doc.xpath_query(&titles).get().as_deref(), Some("Hello"));
/// assert!(XPath::new("//h1[").is_err());
/// ```
#[derive(Clone)]
pub struct XPath {
    inner: Arc<XPathInner>,
}

struct XPathInner {
    text: Box<str>,
    expr: Expr,
}

impl fmt::Debug for XPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("XPath").field(&self.as_str()).finish()
    }
}

/// How many parsed expressions each thread keeps for the string forms of `xpath`.
const CACHE_SIZE: usize = 256;

thread_local! {
    static EXPRESSIONS: RefCell<HashMap<Box<str>, XPath>> = RefCell::new(HashMap::new());
}

impl XPath {
    /// Parses `xpath`, checking its syntax, function names and argument counts.
    pub fn new(xpath: &str) -> Result<XPath, SelectorError> {
        let expr = crawl_xpath::parse(xpath)?;
        Ok(XPath {
            inner: Arc::new(XPathInner {
                text: xpath.into(),
                expr,
            }),
        })
    }

    /// [`XPath::new`] through a small per-thread cache.
    pub(crate) fn cached(xpath: &str) -> Result<XPath, SelectorError> {
        if let Some(hit) = EXPRESSIONS.with(|cache| cache.borrow().get(xpath).cloned()) {
            return Ok(hit);
        }
        let compiled = XPath::new(xpath)?;
        EXPRESSIONS.with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.len() >= CACHE_SIZE {
                cache.clear();
            }
            cache.insert(xpath.into(), compiled.clone());
        });
        Ok(compiled)
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.inner.text
    }

    /// The parsed expression.
    pub fn expr(&self) -> &Expr {
        &self.inner.expr
    }
}

impl std::str::FromStr for XPath {
    type Err = SelectorError;

    fn from_str(xpath: &str) -> Result<XPath, SelectorError> {
        XPath::new(xpath)
    }
}

/// Evaluates `xpath` with `context` as the context node (the document element when
/// `None`, as parsel's top-level selector), appending the results to `out`.
pub(crate) fn collect(
    doc: &Arc<Document>,
    html: &Html,
    context: Option<NodeId>,
    xpath: &XPath,
    variables: &[(String, String)],
    out: &mut Vec<Selection>,
) -> Result<(), XPathError> {
    let root = html.tree.root();
    let context = context.unwrap_or_else(|| {
        root.children()
            .find(|n| n.value().is_element())
            .map_or(root.id(), |n| n.id())
    });
    let namespaces = doc.namespaces();
    let in_order = doc.stored_in_order(html);
    let env = Env::new(html, doc.is_xml(), in_order, &namespaces, variables);
    let ctx = Context {
        node: XNode::Tree(context),
        position: 1,
        size: 1,
    };
    let value = env
        .eval(xpath.expr(), ctx)
        .map_err(|detail| XPathError::evaluation(xpath.as_str(), detail))?;
    match value {
        Value::Nodes(nodes) => out.extend(nodes.into_iter().map(|n| selection(doc, html, n))),
        Value::Boolean(b) => out.push(Selection::value(if b { "1" } else { "0" }.to_owned())),
        Value::Number(n) => out.push(Selection::value(python_float(n))),
        Value::String(text) => out.push(Selection::value(text)),
    }
    Ok(())
}

/// A node as parsel gives it: elements and the document as selections, text and attributes
/// as their text, comments and processing instructions as their markup.
fn selection(doc: &Arc<Document>, html: &Html, node: XNode) -> Selection {
    let XNode::Tree(id) = node else {
        return Selection::value(node::string_value(html, node));
    };
    match html.tree.get(id).map(|n| n.value()) {
        Some(Node::Element(_) | Node::Document | Node::Fragment) => {
            Selection::element(Arc::clone(doc), id)
        }
        Some(Node::Text(text)) => Selection::value(text.to_string()),
        Some(Node::Comment(comment)) => Selection::value(format!("<!--{}-->", &**comment)),
        Some(Node::ProcessingInstruction(pi)) => {
            Selection::value(format!("<?{} {}?>", &*pi.target, &*pi.data))
        }
        Some(Node::Doctype(_)) | None => Selection::value(String::new()),
    }
}

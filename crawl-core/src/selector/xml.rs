//! XML documents (sitemaps, feeds, APIs) parsed into the same tree as HTML, so that XPath
//! and CSS work on them too, with namespaces resolved (or removed, parsel's
//! `remove_namespaces`).

use std::sync::Arc;

use ego_tree::NodeId;
use html5ever::{ns, Attribute, LocalName, Namespace, Prefix, QualName};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use scraper::node::{Comment, Element, ProcessingInstruction, Text};
use scraper::{Html, Node, StrTendril};

use super::parse::{TreeCharge, ATTRIBUTE_BYTES, NODE_BYTES};
use super::{CappedParse, Document};
use crate::response::BodyCharge;

/// A document that is not well-formed XML: what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid XML at byte {position}: {message}")]
pub struct XmlError {
    /// What is wrong, lowercase.
    pub message: String,
    /// The byte offset in the text where it was found.
    pub position: u64,
}

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

impl Document {
    /// Parses `xml` as an XML document, recovering as lxml does for parsel: a mismatched
    /// end tag closes up to the element it names (or is ignored), an unknown entity stays
    /// as written, an undefined prefix leaves its name in no namespace, and at an error the
    /// reader cannot get past, the document keeps what came before it. Use
    /// [`Document::try_parse_xml`] to get the first error instead.
    ///
    /// ```
    /// use crawl_core::selector::Document;
    ///
    /// let feed = Document::parse_xml(
    ///     "<rss><channel><item><title>One</title><link>https://a.example/1</link></item></channel></rss>",
    /// );
    /// assert_eq!(feed.xpath("//item/link/text()").getall(), ["https://a.example/1"]);
    /// assert_eq!(feed.css("item > title::text").getall(), ["One"]);
    /// ```
    pub fn parse_xml(xml: &str) -> Arc<Document> {
        Document::parse_xml_charged(xml, None).document
    }

    /// [`Document::parse_xml`] with the tree's memory charged to `charge` when given: once
    /// the budget is spent the rest of the document is dropped (`over_budget` is then 1: the
    /// reader stops there, so later nodes are not counted one by one).
    pub(crate) fn parse_xml_charged(xml: &str, charge: Option<BodyCharge>) -> CappedParse {
        let memory = charge.map(TreeCharge::new);
        let built = build(xml, false, memory.as_ref());
        CappedParse {
            over_budget: memory.as_ref().map_or(0, TreeCharge::dropped),
            document: Document::new(built.0, true, memory.map(TreeCharge::finish)),
            cut: 0,
        }
    }

    /// Parses `xml` as a well-formed XML document, or says where it is not.
    ///
    /// ```
    /// use crawl_core::selector::Document;
    ///
    /// let error = Document::try_parse_xml("<a><b></a>").unwrap_err();
    /// assert_eq!(error.to_string(), "invalid XML at byte 6: expected `</b>`, found `</a>`");
    /// ```
    pub fn try_parse_xml(xml: &str) -> Result<Arc<Document>, XmlError> {
        match build(xml, true, None) {
            (html, None) => Ok(Document::new(html, true, None)),
            (_, Some(error)) => Err(error),
        }
    }

    /// Removes every namespace from the document's elements and attributes, so that plain
    /// names match them (parsel's `remove_namespaces`). Every selection of the document sees
    /// the change.
    ///
    /// ```
    /// use crawl_core::selector::Document;
    ///
    /// let doc = Document::parse_xml(
    ///     r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/a</loc></url></urlset>"#,
    /// );
    /// assert!(doc.xpath("//url/loc").is_empty());
    /// doc.remove_namespaces();
    /// assert_eq!(doc.xpath("//url/loc/text()").getall(), ["/a"]);
    /// ```
    pub fn remove_namespaces(&self) {
        let mut html = self.lock();
        let ids: Vec<NodeId> = html.tree.nodes().map(|n| n.id()).collect();
        for id in ids {
            let Some(mut node) = html.tree.get_mut(id) else {
                continue;
            };
            let Node::Element(element) = node.value() else {
                continue;
            };
            let plain = |name: &QualName| QualName::new(None, ns!(), name.local.clone());
            let attrs = element
                .attrs
                .iter()
                .map(|(name, value)| Attribute {
                    name: plain(name),
                    value: html5ever::tendril::StrTendril::from_slice(value),
                })
                .collect();
            *element = Element::new(plain(&element.name), attrs);
        }
    }
}

/// Builds the tree; in strict mode, stops at the first error and returns it. With `memory`,
/// each node is charged as it is made, and building stops when the budget is spent.
fn build(xml: &str, strict: bool, memory: Option<&TreeCharge>) -> (Html, Option<XmlError>) {
    let mut builder = Builder {
        html: Html::new_document(),
        open: Vec::new(),
        scopes: Vec::new(),
        text: String::new(),
        memory,
        full: false,
    };
    let mut reader = Reader::from_str(xml);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = !strict;
    let error = loop {
        if builder.full {
            break None;
        }
        let position = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => {
                break Some(XmlError {
                    message: error.to_string(),
                    position: reader.error_position(),
                })
            }
        };
        let result = match event {
            Event::Start(start) => builder.start(&start, true),
            Event::Empty(start) => builder.start(&start, false),
            Event::End(end) => {
                let name = String::from_utf8_lossy(end.name().0).into_owned();
                builder.end(&name)
            }
            Event::Text(text) => {
                builder.push_text(&text.xml10_content().unwrap_or_default());
                Ok(())
            }
            Event::CData(data) => {
                builder.push_text(&data.decode().unwrap_or_default());
                Ok(())
            }
            Event::GeneralRef(reference) => builder.reference(&reference),
            Event::Comment(comment) => {
                let text = comment.decode().unwrap_or_default();
                let bytes = text.len() as u64;
                let comment = StrTendril::from(&*text);
                builder.append(Node::Comment(Comment { comment }), bytes);
                Ok(())
            }
            Event::PI(pi) => {
                let target = String::from_utf8_lossy(pi.target()).into_owned();
                let data = String::from_utf8_lossy(pi.content())
                    .trim_start()
                    .to_owned();
                let bytes = (target.len() + data.len()) as u64;
                let pi = ProcessingInstruction {
                    target: StrTendril::from(&*target),
                    data: StrTendril::from(&*data),
                };
                builder.append(Node::ProcessingInstruction(pi), bytes);
                Ok(())
            }
            Event::Decl(_) | Event::DocType(_) => Ok(()),
            Event::Eof => match builder.open.last() {
                Some((_, name, _)) if strict => Err(format!("element `<{name}>` is not closed")),
                _ => break None,
            },
        };
        if let Err(message) = result {
            if strict {
                break Some(XmlError { message, position });
            }
            tracing::debug!(position, "recovered from malformed XML: {message}");
        }
    };
    builder.flush();
    (builder.html, error)
}

struct Builder<'m> {
    html: Html,
    /// The memory budget the tree is charged to, if any.
    memory: Option<&'m TreeCharge>,
    /// The budget refused a node: nothing more is added.
    full: bool,
    /// The open elements: id, name as written, how many scopes were in force before it.
    open: Vec<(NodeId, String, usize)>,
    /// Namespace declarations in force, innermost last: prefix (`None`: the default) → URI.
    scopes: Vec<(Option<String>, String)>,
    /// Text not yet added, so that text split by entities becomes one node.
    text: String,
}

impl Builder<'_> {
    /// Whether a node costing `bytes` (besides the node itself) may be added.
    fn admit(&mut self, bytes: u64) -> bool {
        if self.full {
            return false;
        }
        if self
            .memory
            .is_some_and(|memory| !memory.admit(NODE_BYTES + bytes))
        {
            self.full = true;
        }
        !self.full
    }

    fn parent(&self) -> NodeId {
        self.open
            .last()
            .map_or_else(|| self.html.tree.root().id(), |(id, _, _)| *id)
    }

    /// Adds `node` (costing `bytes` besides the node) to the current element; `None` when
    /// the budget refuses it.
    fn append(&mut self, node: Node, bytes: u64) -> Option<NodeId> {
        self.flush();
        if !self.admit(bytes) {
            return None;
        }
        Some(self.append_to_parent(node))
    }

    /// Appends `node` to the current element, past every check.
    fn append_to_parent(&mut self, node: Node) -> NodeId {
        let parent = self.parent();
        let mut parent = self
            .html
            .tree
            .get_mut(parent)
            .expect("open nodes are in the tree");
        parent.append(node).id()
    }

    fn push_text(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// Adds the pending text (outside the root element, only what is not whitespace).
    fn flush(&mut self) {
        if self.text.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.text);
        if self.open.is_empty() && text.trim().is_empty() || !self.admit(text.len() as u64) {
            return;
        }
        self.append_to_parent(Node::Text(Text {
            text: StrTendril::from(&*text),
        }));
    }

    fn reference(&mut self, reference: &quick_xml::events::BytesRef<'_>) -> Result<(), String> {
        let name = reference.decode().unwrap_or_default().into_owned();
        if reference.is_char_ref() {
            if let Ok(Some(c)) = reference.resolve_char_ref() {
                self.text.push(c);
                return Ok(());
            }
            self.text.push_str(&format!("&{name};"));
            return Err(format!("invalid character reference `&{name};`"));
        }
        match quick_xml::escape::resolve_predefined_entity(&name) {
            Some(text) => {
                self.text.push_str(text);
                Ok(())
            }
            None => {
                self.text.push_str(&format!("&{name};"));
                Err(format!("undefined entity `&{name};`"))
            }
        }
    }

    fn start(&mut self, start: &BytesStart<'_>, opens: bool) -> Result<(), String> {
        let scope_len = self.scopes.len();
        let mut attributes = Vec::new();
        let mut problem = None;
        for attr in start.attributes().with_checks(false) {
            let attr = match attr {
                Ok(attr) => attr,
                Err(error) => {
                    problem.get_or_insert(error.to_string());
                    continue;
                }
            };
            let key = String::from_utf8_lossy(attr.key.0).into_owned();
            let value = match attr.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                Ok(value) => value.into_owned(),
                Err(_) => String::from_utf8_lossy(&attr.value).into_owned(),
            };
            if key == "xmlns" {
                self.scopes.push((None, value));
            } else if let Some(prefix) = key.strip_prefix("xmlns:") {
                self.scopes.push((Some(prefix.to_owned()), value));
            } else {
                attributes.push((key, value));
            }
        }
        let raw = String::from_utf8_lossy(start.name().0).into_owned();
        let name = self.qualify(&raw, true, &mut problem);
        let bytes = attributes
            .iter()
            .map(|(key, value)| ATTRIBUTE_BYTES + (key.len() + value.len()) as u64)
            .sum();
        let attrs = attributes
            .into_iter()
            .map(|(key, value)| Attribute {
                name: self.qualify(&key, false, &mut problem),
                value: html5ever::tendril::StrTendril::from(value),
            })
            .collect();
        let Some(id) = self.append(Node::Element(Element::new(name, attrs)), bytes) else {
            return Ok(());
        };
        if opens {
            self.open.push((id, raw, scope_len));
        } else {
            self.scopes.truncate(scope_len);
        }
        problem.map_or(Ok(()), Err)
    }

    /// The qualified name of `raw` (`prefix:local` or `local`) in the declarations in force;
    /// an unprefixed attribute is in no namespace.
    fn qualify(&self, raw: &str, element: bool, problem: &mut Option<String>) -> QualName {
        let (prefix, local) = match raw.split_once(':') {
            Some((prefix, local)) => (Some(prefix), local),
            None => (None, raw),
        };
        let uri = match prefix {
            Some("xml") => Some(XML_NS.to_owned()),
            Some(prefix) => {
                let found = self.lookup(Some(prefix));
                if found.is_none() {
                    problem.get_or_insert(format!("undefined namespace prefix `{prefix}`"));
                }
                found
            }
            None if element => self.lookup(None),
            None => None,
        };
        match (uri, prefix) {
            (Some(uri), prefix) => QualName::new(
                prefix.map(Prefix::from),
                Namespace::from(uri),
                LocalName::from(local),
            ),
            // An undefined prefix: the name as written, in no namespace.
            (None, _) => QualName::new(None, ns!(), LocalName::from(raw)),
        }
    }

    fn lookup(&self, prefix: Option<&str>) -> Option<String> {
        self.scopes
            .iter()
            .rev()
            .find(|(p, _)| p.as_deref() == prefix)
            .map(|(_, uri)| uri.clone())
            .filter(|uri| !uri.is_empty())
    }

    /// Closes the element named `name` and any left open inside it; an end tag that closes
    /// nothing is ignored.
    fn end(&mut self, name: &str) -> Result<(), String> {
        self.flush();
        let Some(at) = self.open.iter().rposition(|(_, open, _)| open == name) else {
            return Err(format!("end tag `</{name}>` closes no open element"));
        };
        let innermost = self.open.last().map(|(_, open, _)| open.clone());
        let scope_len = self.open[at].2;
        self.open.truncate(at);
        self.scopes.truncate(scope_len);
        match innermost {
            Some(open) if open != name => Err(format!("expected `</{open}>`, found `</{name}>`")),
            _ => Ok(()),
        }
    }
}

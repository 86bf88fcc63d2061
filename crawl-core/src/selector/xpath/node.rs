//! XPath's view of a scraper tree: nodes (tree nodes and attributes), the axes, node tests,
//! string-values and names.

use std::borrow::Cow;

use crawl_xpath::Axis;
use ego_tree::{NodeId, NodeRef};
use scraper::{Html, Node};

/// A node: one of the tree (document, element, text, comment, processing instruction) or
/// an element's attribute, by its index in the element's attribute list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum XNode {
    Tree(NodeId),
    Attr(NodeId, usize),
}

impl XNode {
    /// The tree node, or the element that holds the attribute.
    pub(crate) fn tree_id(self) -> NodeId {
        match self {
            XNode::Tree(id) | XNode::Attr(id, _) => id,
        }
    }
}

/// A tree node as XPath sees it: doctypes are not part of the model.
fn visible(node: &NodeRef<'_, Node>) -> bool {
    !node.value().is_doctype()
}

fn tree(id: NodeId) -> XNode {
    XNode::Tree(id)
}

/// Appends the nodes `axis` gives from `from` to `out`, in the axis's order (reverse
/// document order for the reverse axes).
pub(crate) fn axis_nodes(html: &Html, from: XNode, axis: Axis, out: &mut Vec<XNode>) {
    let Some(node) = html.tree.get(from.tree_id()) else {
        return;
    };
    let is_attr = matches!(from, XNode::Attr(..));
    match axis {
        Axis::SelfAxis => out.push(from),
        Axis::Child if !is_attr => {
            out.extend(node.children().filter(visible).map(|n| tree(n.id())))
        }
        Axis::Descendant if !is_attr => out.extend(
            node.descendants()
                .skip(1)
                .filter(visible)
                .map(|n| tree(n.id())),
        ),
        Axis::DescendantOrSelf if is_attr => out.push(from),
        Axis::DescendantOrSelf => {
            out.extend(node.descendants().filter(visible).map(|n| tree(n.id())))
        }
        Axis::Parent if is_attr => out.push(tree(node.id())),
        Axis::Parent => out.extend(node.parent().map(|p| tree(p.id()))),
        Axis::Ancestor | Axis::AncestorOrSelf => {
            if axis == Axis::AncestorOrSelf {
                out.push(from);
            }
            if is_attr {
                out.push(tree(node.id()));
            }
            out.extend(node.ancestors().map(|n| tree(n.id())));
        }
        Axis::FollowingSibling if !is_attr => {
            out.extend(node.next_siblings().filter(visible).map(|n| tree(n.id())))
        }
        Axis::PrecedingSibling if !is_attr => {
            out.extend(node.prev_siblings().filter(visible).map(|n| tree(n.id())))
        }
        Axis::Following => {
            // An attribute's following nodes start with its element's descendants.
            if is_attr {
                out.extend(
                    node.descendants()
                        .skip(1)
                        .filter(visible)
                        .map(|n| tree(n.id())),
                );
            }
            let mut current = Some(node);
            while let Some(at) = current {
                for sibling in at.next_siblings() {
                    out.extend(sibling.descendants().filter(visible).map(|n| tree(n.id())));
                }
                current = at.parent();
            }
        }
        Axis::Preceding => {
            let mut current = Some(node);
            while let Some(at) = current {
                for sibling in at.prev_siblings() {
                    let mut subtree: Vec<_> = sibling.descendants().filter(visible).collect();
                    subtree.reverse();
                    out.extend(subtree.into_iter().map(|n| tree(n.id())));
                }
                current = at.parent();
            }
        }
        Axis::Attribute if !is_attr => {
            if let Some(element) = node.value().as_element() {
                out.extend((0..element.attrs.len()).map(|i| XNode::Attr(node.id(), i)));
            }
        }
        // The attribute axis of an attribute, the child axis of an attribute, ...: empty.
        // Namespace nodes are not modelled: `namespace::` is always empty.
        _ => {}
    }
}

/// The string-value of a node: the text inside an element or the document, an attribute's
/// value, a text node's text, a comment's text, a processing instruction's data.
pub(crate) fn string_value(html: &Html, node: XNode) -> String {
    string_value_ref(html, node).into_owned()
}

/// [`string_value`], borrowed from the tree when it is one piece of it (an attribute, a
/// text node, an element with a single text node inside).
pub(crate) fn string_value_ref(html: &Html, node: XNode) -> Cow<'_, str> {
    let Some(tree_node) = html.tree.get(node.tree_id()) else {
        return Cow::Borrowed("");
    };
    match (node, tree_node.value()) {
        (XNode::Attr(_, i), Node::Element(element)) => {
            Cow::Borrowed(element.attrs.get(i).map_or("", |(_, value)| &**value))
        }
        (_, Node::Text(text)) => Cow::Borrowed(text),
        (_, Node::Comment(comment)) => Cow::Borrowed(comment),
        (_, Node::ProcessingInstruction(pi)) => Cow::Borrowed(&pi.data),
        (_, Node::Element(_) | Node::Document | Node::Fragment) => {
            let mut texts = tree_node
                .descendants()
                .filter_map(|n| n.value().as_text().map(|t| &**t));
            let Some(first) = texts.next() else {
                return Cow::Borrowed("");
            };
            match texts.next() {
                None => Cow::Borrowed(first),
                Some(second) => {
                    let mut out = String::from(first);
                    out.push_str(second);
                    texts.for_each(|t| out.push_str(t));
                    Cow::Owned(out)
                }
            }
        }
        (_, Node::Doctype(_)) => Cow::Borrowed(""),
    }
}

/// A node's expanded name: namespace URI and local name, and the prefix it was written
/// with; `None` for nodes without a name (text, comments, the document).
pub(crate) fn name_of(html: &Html, node: XNode) -> Option<(&str, &str, Option<&str>)> {
    let tree_node = html.tree.get(node.tree_id())?;
    match (node, tree_node.value()) {
        (XNode::Attr(_, i), Node::Element(element)) => {
            let (name, _) = element.attrs.get(i)?;
            Some((&name.ns, &name.local, name.prefix.as_deref()))
        }
        (XNode::Tree(_), Node::Element(element)) => {
            let name = &element.name;
            Some((&name.ns, &name.local, name.prefix.as_deref()))
        }
        (XNode::Tree(_), Node::ProcessingInstruction(pi)) => Some(("", &pi.target, None)),
        _ => None,
    }
}

/// The kind of a node, for node tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Root,
    Element,
    Attribute,
    Text,
    Comment,
    ProcessingInstruction,
    Other,
}

/// The kind of a node.
pub(crate) fn kind_of(html: &Html, node: XNode) -> Kind {
    if let XNode::Attr(..) = node {
        return Kind::Attribute;
    }
    match html.tree.get(node.tree_id()).map(|n| n.value()) {
        Some(Node::Document | Node::Fragment) => Kind::Root,
        Some(Node::Element(_)) => Kind::Element,
        Some(Node::Text(_)) => Kind::Text,
        Some(Node::Comment(_)) => Kind::Comment,
        Some(Node::ProcessingInstruction(_)) => Kind::ProcessingInstruction,
        Some(Node::Doctype(_)) | None => Kind::Other,
    }
}

//! Evaluates a parsed query over a locked document, in document order.

use std::collections::HashSet;

use ego_tree::{NodeId, NodeRef};
use html5ever::{ns, LocalName};
use scraper::node::Element;
use scraper::{ElementRef, Html, Node};

use crawl_dsl::css::{ParsedQuery, PseudoElement};

/// One result, borrowed from the document.
pub(crate) enum Hit<'a> {
    /// A matched element.
    Element(NodeId),
    /// A text node or an attribute value.
    Value(&'a str),
}

/// Runs `query` over the whole document (`context` = `None`) or relative to the element
/// `context`, calling `emit` for each result in document order and at most once, as parsel
/// does: a relative query matches the element itself and its descendants
/// (`descendant-or-self::`), and with a `+`/`~` combinator also what follows it.
///
/// `in_order` says that the document's nodes are stored in document order (see
/// [`stored_in_order`]): a whole-document query then reads them as stored, front to back,
/// rather than walking the tree.
pub(crate) fn select<'a>(
    html: &'a Html,
    in_order: bool,
    context: Option<NodeId>,
    query: &ParsedQuery,
    emit: impl FnMut(Hit<'a>),
) {
    let (start, scope) = match context {
        None => (html.tree.root(), None),
        Some(id) => match html.tree.get(id).and_then(ElementRef::wrap) {
            Some(element) => (*element, Some(element)),
            None => return,
        },
    };
    let mut out = Output {
        query,
        attr: match &query.pseudo {
            PseudoElement::Attr(name) => Some(LocalName::from(name.as_str())),
            _ => None,
        },
        emit,
        pending: None,
    };
    let selector = match scope {
        Some(_) => query.scoped.as_ref().or(query.selector.as_ref()),
        None => query.selector.as_ref(),
    };
    let Some(selector) = selector else {
        // Only a pseudo-element (`::text`): it applies to the context's whole subtree.
        return out.subtree(start);
    };
    match scope {
        None if in_order => {
            // The root (the document node) is first: every element after it is inside it.
            html.tree
                .nodes()
                .skip(1)
                .filter_map(ElementRef::wrap)
                .filter(|e| selector.matches(e))
                .for_each(|e| out.push(e));
        }
        None => {
            for top in start.children().filter_map(ElementRef::wrap) {
                if selector.matches(&top) {
                    out.push(top);
                }
                top.select(selector).for_each(|e| out.push(e));
            }
        }
        Some(scope) => {
            if selector.matches_with_scope(&scope, Some(scope)) {
                out.push(scope);
            }
            scope.select(selector).for_each(|e| out.push(e));
            if query.sibling_combinator {
                let after = start.next_siblings().flat_map(|s| s.descendants());
                after
                    .filter_map(ElementRef::wrap)
                    .filter(|e| selector.matches_with_scope(e, Some(scope)))
                    .for_each(|e| out.push(e));
            }
        }
    }
    out.finish();
}

/// Whether the nodes of `html` are stored in document order, all of them in the tree: the
/// parser appends nodes as it meets them, and only repairs of misnested markup (adoption,
/// foster parenting) move or detach some. One pass over the nodes as stored: each must
/// follow the one before it in a walk of the tree (be its first child, or the next sibling
/// of it or of one of its ancestors).
pub(crate) fn stored_in_order(html: &Html) -> bool {
    let mut nodes = html.tree.nodes();
    let Some(mut previous) = nodes.next() else {
        return true;
    };
    if previous.id() != html.tree.root().id() {
        return false;
    }
    for node in nodes {
        let follows = match node.prev_sibling() {
            None => node.parent() == Some(previous),
            Some(sibling) => node.parent().is_some() && last_descendant(sibling) == previous,
        };
        if !follows {
            return false;
        }
        previous = node;
    }
    true
}

/// The last node of `node`'s subtree in document order.
fn last_descendant(node: NodeRef<'_, Node>) -> NodeRef<'_, Node> {
    let mut last = node;
    while let Some(child) = last.last_child() {
        last = child;
    }
    last
}

/// An element's attribute `local` (in no namespace), compared as atoms.
fn attr<'a>(element: &'a Element, local: &LocalName) -> Option<&'a str> {
    element
        .attrs
        .iter()
        .find(|(name, _)| name.local == *local && name.ns == ns!())
        .map(|(_, value)| &**value)
}

/// Turns matched elements, pushed in document order, into results.
struct Output<'q, 'a, F> {
    query: &'q ParsedQuery,
    /// The attribute name of `::attr(name)`, as an atom.
    attr: Option<LocalName>,
    emit: F,
    /// For `::text` without `subtree`: the outermost match not yet emitted, with the
    /// matches nested in it, whose text nodes interleave with its own.
    pending: Option<(NodeRef<'a, Node>, Vec<NodeId>)>,
}

impl<'a, F: FnMut(Hit<'a>)> Output<'_, 'a, F> {
    fn push(&mut self, element: ElementRef<'a>) {
        let node = *element;
        match (&self.query.pseudo, self.query.subtree) {
            (PseudoElement::None, _) => (self.emit)(Hit::Element(node.id())),
            (PseudoElement::Attr(_), false) => {
                if let Some(value) = self.attr.as_ref().and_then(|l| attr(element.value(), l)) {
                    (self.emit)(Hit::Value(value));
                }
            }
            (_, true) => {
                // A match inside the previous one's subtree has been emitted with it.
                if !self
                    .pending
                    .as_ref()
                    .is_some_and(|(top, _)| contains(*top, node))
                {
                    self.subtree(node);
                    self.pending = Some((node, Vec::new()));
                }
            }
            (PseudoElement::Text, false) => match &mut self.pending {
                Some((top, nested)) if contains(*top, node) => nested.push(node.id()),
                _ => {
                    self.finish();
                    self.pending = Some((node, Vec::new()));
                }
            },
        }
    }

    /// Emits every text node, or every element's attribute, in `node`'s subtree.
    fn subtree(&mut self, node: NodeRef<'a, Node>) {
        for descendant in node.descendants() {
            match (descendant.value(), &self.query.pseudo) {
                (Node::Text(text), PseudoElement::Text) => (self.emit)(Hit::Value(text)),
                (Node::Element(element), PseudoElement::Attr(_)) => {
                    if let Some(value) = self.attr.as_ref().and_then(|l| attr(element, l)) {
                        (self.emit)(Hit::Value(value));
                    }
                }
                _ => {}
            }
        }
    }

    /// Emits the direct text children of the pending match and of the matches nested in it.
    fn finish(&mut self) {
        if self.query.subtree {
            return;
        }
        let Some((top, nested)) = self.pending.take() else {
            return;
        };
        let text = |n: NodeRef<'a, Node>| n.value().as_text().map(|t| &**t);
        if nested.is_empty() {
            top.children()
                .filter_map(text)
                .for_each(|t| (self.emit)(Hit::Value(t)));
            return;
        }
        let parents: HashSet<NodeId> = nested.into_iter().chain([top.id()]).collect();
        for node in top.descendants() {
            let parent = node.parent().map(|p| p.id());
            if let (Some(t), true) = (text(node), parent.is_some_and(|p| parents.contains(&p))) {
                (self.emit)(Hit::Value(t));
            }
        }
    }
}

/// Whether `node` is `ancestor` or inside it.
fn contains(ancestor: NodeRef<'_, Node>, node: NodeRef<'_, Node>) -> bool {
    node == ancestor || node.ancestors().any(|a| a == ancestor)
}

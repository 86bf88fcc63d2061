//! Parsing HTML with element nesting capped, so that a page costs time linear in its size.
//!
//! html5ever's tree builder walks its stack of open elements on most start tags (the "has a
//! `p` element in button scope" checks), so 100,000 nested `<div>`s cost 10^10 steps: issue 9.
//! Browsers cap the depth (Chromium at 512); so do we, between the tokenizer and the tree
//! builder: a start tag that would open an element deeper than the cap is dropped (its text
//! and children still land in the deepest element kept), and so is its end tag.

use std::cell::{Cell, RefCell};

use ego_tree::NodeId;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer};
use html5ever::tree_builder::TreeBuilder;
use html5ever::{local_name, LocalName, TokenizerResult};
use scraper::{Html, HtmlTreeSink};

/// The default cap on element nesting: Chromium's HTML parser's own.
pub const DEFAULT_MAX_DEPTH: usize = 512;

/// Elements the parser may add without a start tag on any one path from the root (`html`,
/// `body`, `tbody`, `tr`, ...): the tag count plus this bounds the depth.
const IMPLIED: usize = 16;

/// A parsed document and what the cap cut from it.
pub(crate) struct Parsed {
    /// The document.
    pub html: Html,
    /// Start tags dropped because they would have nested deeper than the cap.
    pub cut: u64,
}

/// Parses `text` as a whole document, no element having more than `max_depth` ancestors
/// (0: no cap).
pub(crate) fn parse_document(text: &str, max_depth: usize) -> Parsed {
    let builder = TreeBuilder::new(HtmlTreeSink::new(Html::new_document()), Default::default());
    let cap = DepthCap {
        builder,
        max_depth: if max_depth == 0 {
            usize::MAX
        } else {
            max_depth
        },
        open: Cell::new(0),
        dropped: RefCell::new(Vec::new()),
        cut: Cell::new(0),
    };
    let tokenizer = Tokenizer::new(cap, Default::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(text));
    // A `</script>` pauses the tokenizer for a script engine; there is none, so go on.
    while let TokenizerResult::Script(_) = tokenizer.feed(&input) {}
    tokenizer.end();
    let cap = tokenizer.sink;
    Parsed {
        cut: cap.cut.get(),
        html: cap.builder.sink.0.into_inner(),
    }
}

/// The token sink between the tokenizer and the tree builder that drops too deep start tags.
struct DepthCap {
    builder: TreeBuilder<NodeId, HtmlTreeSink>,
    max_depth: usize,
    /// Start tags passed on minus end tags: with [`IMPLIED`], an upper bound of the depth (end
    /// tags that the parser implies are not counted), so the exact check runs only near the
    /// cap.
    open: Cell<usize>,
    /// Names of the dropped start tags not closed yet: their end tags are dropped too.
    dropped: RefCell<Vec<LocalName>>,
    cut: Cell<u64>,
}

impl DepthCap {
    /// Whether the node created last (the current element, or a child of it) has `max_depth`
    /// ancestors, so a new element would have more. Walks at most `max_depth` parents.
    fn at_cap(&self) -> bool {
        let html = self.builder.sink.0.borrow();
        html.tree
            .nodes()
            .next_back()
            .is_some_and(|last| last.ancestors().take(self.max_depth).count() >= self.max_depth)
    }
}

impl TokenSink for DepthCap {
    type Handle = NodeId;

    fn process_token(&self, token: Token, line_number: u64) -> TokenSinkResult<NodeId> {
        if let Token::TagToken(tag) = &token {
            match tag.kind {
                TagKind::StartTag if !is_void(&tag.name) => {
                    if self.open.get() + IMPLIED >= self.max_depth && self.at_cap() {
                        self.dropped.borrow_mut().push(tag.name.clone());
                        self.cut.set(self.cut.get() + 1);
                        return TokenSinkResult::Continue;
                    }
                    self.open.set(self.open.get() + 1);
                }
                TagKind::StartTag => {}
                TagKind::EndTag => {
                    let mut dropped = self.dropped.borrow_mut();
                    if dropped.last() == Some(&tag.name) {
                        dropped.pop();
                        return TokenSinkResult::Continue;
                    }
                    self.open.set(self.open.get().saturating_sub(1));
                }
            }
        }
        self.builder.process_token(token, line_number)
    }

    fn end(&self) {
        self.builder.end();
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&self) -> bool {
        self.builder
            .adjusted_current_node_present_but_not_in_html_namespace()
    }
}

/// HTML's void elements: they never hold children, so they never nest.
fn is_void(name: &LocalName) -> bool {
    matches!(
        *name,
        local_name!("area")
            | local_name!("base")
            | local_name!("br")
            | local_name!("col")
            | local_name!("embed")
            | local_name!("hr")
            | local_name!("img")
            | local_name!("input")
            | local_name!("link")
            | local_name!("meta")
            | local_name!("param")
            | local_name!("source")
            | local_name!("track")
            | local_name!("wbr")
    )
}

//! Parsing HTML with element nesting capped, so that a page costs time linear in its size.
//!
//! html5ever's tree builder walks its stack of open elements on most start tags (the "has a
//! `p` element in button scope" checks), so 100,000 nested `<div>`s cost 10^10 steps: issue 9.
//! Browsers cap the depth (Chromium at 512); so do we, between the tokenizer and the tree
//! builder: a start tag that would open an element deeper than the cap is dropped (its text
//! and children still land in the deepest element kept), and so is its end tag.
//!
//! The tree also counts against `DOWNLOAD_MAXMEMORY` when the page came from a crawl: a page
//! of tiny tags (`<a>` is 3 bytes, its node near 200) would otherwise cost some 60 times its
//! size. Each node is charged as it is made; when the budget is spent, the rest of the page is
//! dropped (the document so far stays), so no page takes the process past the budget.

use std::cell::{Cell, RefCell};

use ego_tree::NodeId;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer};
use html5ever::tree_builder::TreeBuilder;
use html5ever::{local_name, LocalName, TokenizerResult};
use scraper::{Html, HtmlTreeSink};

use crate::response::BodyCharge;

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
    /// Tokens (tags, text runs, comments) dropped because the tree reached the memory budget.
    pub over_budget: u64,
    /// The tree's share of the memory budget, to keep as long as the tree lives.
    pub charge: Option<BodyCharge>,
}

/// What one node of the tree takes, charged per tag, text run or comment: the node itself
/// and its links, twice over for the tree's vector, which doubles as it grows.
pub(super) const NODE_BYTES: u64 = 2 * (std::mem::size_of::<scraper::Node>() + 4 * 8) as u64;

/// What one attribute takes besides its value.
pub(super) const ATTRIBUTE_BYTES: u64 = 64;

/// How much the tree takes from the budget at a time (given back at the end down to what the
/// tree uses), so a page of many tiny nodes costs few atomic updates.
const RESERVE_STEP: u64 = 256 * 1024;

/// The memory a tree takes as it grows, charged against the crawl's budget.
pub(super) struct TreeCharge {
    charge: RefCell<BodyCharge>,
    /// Bytes taken from the budget.
    reserved: Cell<u64>,
    /// Bytes the nodes made so far take.
    used: Cell<u64>,
    /// The budget refused more: every later token is dropped.
    full: Cell<bool>,
    /// Tokens dropped since.
    dropped: Cell<u64>,
}

impl TreeCharge {
    /// Charges a tree as it grows to `charge`.
    pub(super) fn new(charge: BodyCharge) -> TreeCharge {
        TreeCharge {
            charge: RefCell::new(charge),
            reserved: Cell::new(0),
            used: Cell::new(0),
            full: Cell::new(false),
            dropped: Cell::new(0),
        }
    }

    /// Tokens refused since the budget was spent.
    pub(super) fn dropped(&self) -> u64 {
        self.dropped.get()
    }

    /// Whether a token costing `bytes` may go into the tree (charging it if so).
    pub(super) fn admit(&self, bytes: u64) -> bool {
        if self.full.get() {
            self.dropped.set(self.dropped.get() + 1);
            return false;
        }
        let used = self.used.get() + bytes;
        if used > self.reserved.get() {
            let more = (used - self.reserved.get()).max(RESERVE_STEP);
            if self.charge.borrow_mut().grow(more).is_err() {
                self.full.set(true);
                self.dropped.set(1);
                return false;
            }
            self.reserved.set(self.reserved.get() + more);
        }
        self.used.set(used);
        true
    }

    /// The charge, holding just what the tree takes.
    pub(super) fn finish(self) -> BodyCharge {
        let mut charge = self.charge.into_inner();
        charge.shrink(self.reserved.get() - self.used.get());
        charge
    }
}

/// What `token` adds to the tree, in bytes (0: no node).
fn token_bytes(token: &Token) -> u64 {
    match token {
        Token::TagToken(tag) if tag.kind == TagKind::StartTag => {
            NODE_BYTES
                + tag
                    .attrs
                    .iter()
                    .map(|attribute| ATTRIBUTE_BYTES + attribute.value.len() as u64)
                    .sum::<u64>()
        }
        Token::CharacterTokens(text) => NODE_BYTES + text.len() as u64,
        Token::CommentToken(text) => NODE_BYTES + text.len() as u64,
        Token::DoctypeToken(_) => NODE_BYTES,
        _ => 0,
    }
}

/// Parses `text` as a whole document, no element having more than `max_depth` ancestors
/// (0: no cap), the tree's memory charged to `charge` when given (see the module docs).
pub(crate) fn parse_document(text: &str, max_depth: usize, charge: Option<BodyCharge>) -> Parsed {
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
        memory: charge.map(TreeCharge::new),
    };
    let tokenizer = Tokenizer::new(cap, Default::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(text));
    // A `</script>` pauses the tokenizer for a script engine; there is none, so go on.
    while let TokenizerResult::Script(_) = tokenizer.feed(&input) {}
    tokenizer.end();
    let cap = tokenizer.sink;
    let over_budget = cap.memory.as_ref().map_or(0, |memory| memory.dropped.get());
    Parsed {
        cut: cap.cut.get(),
        over_budget,
        charge: cap.memory.map(TreeCharge::finish),
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
    /// The tree's memory, when it counts against a budget.
    memory: Option<TreeCharge>,
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
        if let Some(memory) = &self.memory {
            let bytes = token_bytes(&token);
            if bytes > 0 && !memory.admit(bytes) {
                return TokenSinkResult::Continue;
            }
        }
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

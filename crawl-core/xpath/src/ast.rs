//! The parsed form of an XPath 1.0 expression.

use crate::Function;

/// An XPath expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A binary operator: `or`, `and`, comparisons, arithmetic, `|`.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// Unary minus.
    Negate(Box<Expr>),
    /// A string literal.
    Literal(String),
    /// A number.
    Number(f64),
    /// A variable reference `$name` (the name as written, with any prefix).
    Variable(String),
    /// A function call, with its arguments.
    Call(Function, Vec<Expr>),
    /// A primary expression with predicates: `(//a)[1]`, `$x[2]`.
    Filter(Box<Expr>, Vec<Expr>),
    /// A location path, or a filter expression followed by `/` steps.
    Path(PathExpr),
}

/// The binary operators, loosest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `div`
    Div,
    /// `mod`
    Mod,
    /// `|`
    Union,
}

/// A path: where it starts and its steps.
#[derive(Debug, Clone, PartialEq)]
pub struct PathExpr {
    /// The node-set the first step applies to.
    pub start: PathStart,
    /// The steps, in order (`//` is a `descendant-or-self::node()` step).
    pub steps: Vec<Step>,
}

/// Where a path starts.
#[derive(Debug, Clone, PartialEq)]
pub enum PathStart {
    /// An absolute path: the root node of the context node's document.
    Root,
    /// A relative path: the context node.
    Context,
    /// A filter expression, which must give a node-set: `(//a)/b`, `id('x')/b`.
    Expr(Box<Expr>),
}

/// One location step: `axis::test[predicate]...`.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The axis.
    pub axis: Axis,
    /// The node test.
    pub test: NodeTest,
    /// The predicates, applied in order.
    pub predicates: Vec<Expr>,
}

/// The thirteen axes of XPath 1.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// `ancestor::`
    Ancestor,
    /// `ancestor-or-self::`
    AncestorOrSelf,
    /// `attribute::` (`@`)
    Attribute,
    /// `child::` (the default)
    Child,
    /// `descendant::`
    Descendant,
    /// `descendant-or-self::` (`//`)
    DescendantOrSelf,
    /// `following::`
    Following,
    /// `following-sibling::`
    FollowingSibling,
    /// `namespace::`
    Namespace,
    /// `parent::` (`..`)
    Parent,
    /// `preceding::`
    Preceding,
    /// `preceding-sibling::`
    PrecedingSibling,
    /// `self::` (`.`)
    SelfAxis,
}

impl Axis {
    /// The axis named `name`, if any.
    pub fn from_name(name: &str) -> Option<Axis> {
        Some(match name {
            "ancestor" => Axis::Ancestor,
            "ancestor-or-self" => Axis::AncestorOrSelf,
            "attribute" => Axis::Attribute,
            "child" => Axis::Child,
            "descendant" => Axis::Descendant,
            "descendant-or-self" => Axis::DescendantOrSelf,
            "following" => Axis::Following,
            "following-sibling" => Axis::FollowingSibling,
            "namespace" => Axis::Namespace,
            "parent" => Axis::Parent,
            "preceding" => Axis::Preceding,
            "preceding-sibling" => Axis::PrecedingSibling,
            "self" => Axis::SelfAxis,
            _ => return None,
        })
    }

    /// The names of all axes, for error messages.
    pub const NAMES: [&'static str; 13] = [
        "ancestor",
        "ancestor-or-self",
        "attribute",
        "child",
        "descendant",
        "descendant-or-self",
        "following",
        "following-sibling",
        "namespace",
        "parent",
        "preceding",
        "preceding-sibling",
        "self",
    ];

    /// Whether the axis goes backwards in document order (positions count from the
    /// nearest node).
    pub fn is_reverse(self) -> bool {
        matches!(
            self,
            Axis::Ancestor
                | Axis::AncestorOrSelf
                | Axis::Parent
                | Axis::Preceding
                | Axis::PrecedingSibling
        )
    }
}

/// What a step keeps of the nodes its axis gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeTest {
    /// A name (`div`, `s:url`): nodes of the axis's principal type (attributes on the
    /// attribute axis, elements otherwise) with that name.
    Name {
        /// The namespace prefix, if written.
        prefix: Option<String>,
        /// The local name.
        local: String,
    },
    /// `*` or `prefix:*`: every node of the principal type (in that namespace).
    Wildcard {
        /// The namespace prefix, if written.
        prefix: Option<String>,
    },
    /// `node()`: every node.
    Node,
    /// `text()`: text nodes.
    Text,
    /// `comment()`: comments.
    Comment,
    /// `processing-instruction()`, optionally with a target name.
    ProcessingInstruction(Option<String>),
}

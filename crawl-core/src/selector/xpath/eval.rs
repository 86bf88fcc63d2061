//! Evaluates a parsed expression over a locked document (XPath 1.0, sections 2 and 3).

use std::cell::OnceCell;
use std::cmp::Ordering;
use std::collections::HashMap;

use crawl_xpath::{Axis, BinaryOp, Expr, NodeTest, PathExpr, PathStart, Step};
use ego_tree::NodeId;
use html5ever::ns;
use scraper::Html;

use super::node::{axis_nodes, kind_of, name_of, string_value, string_value_ref, Kind, XNode};
use super::value::{number_to_string, string_to_number, Value};

/// Where an expression is evaluated: the node, its position and the context size.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    pub node: XNode,
    pub position: usize,
    pub size: usize,
}

/// A result of evaluation, or an error (its message without the expression, which the
/// caller adds).
pub(crate) type Result<T> = std::result::Result<T, String>;

/// What evaluation needs besides the expression: the document, how to order its nodes,
/// the namespace prefixes in scope and the variables.
pub(crate) struct Env<'a> {
    pub html: &'a Html,
    /// An XML document: unprefixed names match only elements in no namespace, and names
    /// keep their prefixes. In an HTML document names match by local name, as in lxml.
    pub xml: bool,
    /// Whether the nodes are stored in document order, so ids compare as positions.
    pub in_order: bool,
    pub namespaces: &'a [(String, String)],
    pub variables: &'a [(String, String)],
    /// Each tree node's position in document order, built when first needed if the nodes
    /// are not stored in order.
    order: OnceCell<HashMap<NodeId, usize>>,
}

impl<'a> Env<'a> {
    pub(crate) fn new(
        html: &'a Html,
        xml: bool,
        in_order: bool,
        namespaces: &'a [(String, String)],
        variables: &'a [(String, String)],
    ) -> Self {
        Env {
            html,
            xml,
            in_order,
            namespaces,
            variables,
            order: OnceCell::new(),
        }
    }

    /// Compares two nodes in document order: an attribute comes after its element and
    /// before the element's children.
    pub(crate) fn compare(&self, a: &XNode, b: &XNode) -> Ordering {
        let sub = |n: &XNode| match n {
            XNode::Tree(_) => 0,
            XNode::Attr(_, i) => i + 1,
        };
        let (ia, ib) = (a.tree_id(), b.tree_id());
        let trees = if self.in_order {
            ia.cmp(&ib)
        } else {
            let order = self.order.get_or_init(|| {
                let root = self.html.tree.root();
                root.descendants()
                    .enumerate()
                    .map(|(i, n)| (n.id(), i))
                    .collect()
            });
            order.get(&ia).cmp(&order.get(&ib))
        };
        trees.then_with(|| sub(a).cmp(&sub(b)))
    }

    /// Sorts `nodes` in document order and drops duplicates.
    pub(crate) fn sort(&self, nodes: &mut Vec<XNode>) {
        nodes.sort_by(|a, b| self.compare(a, b));
        nodes.dedup();
    }

    pub(crate) fn eval(&self, expr: &Expr, ctx: Context) -> Result<Value> {
        Ok(match expr {
            Expr::Literal(text) => Value::String(text.clone()),
            Expr::Number(n) => Value::Number(*n),
            Expr::Variable(name) => match self.variables.iter().find(|(n, _)| n == name) {
                Some((_, value)) => Value::String(value.clone()),
                None => return Err(format!("undefined variable `${name}`")),
            },
            Expr::Negate(inner) => Value::Number(-self.number(&self.eval(inner, ctx)?)),
            Expr::Call(function, args) => self.call(*function, args, ctx)?,
            Expr::Binary(op, left, right) => self.binary(*op, left, right, ctx)?,
            Expr::Filter(primary, predicates) => {
                let nodes = self.node_set(self.eval(primary, ctx)?, "a predicate")?;
                Value::Nodes(self.filter(nodes, predicates)?)
            }
            Expr::Path(path) => Value::Nodes(self.path(path, ctx)?),
        })
    }

    /// Requires a node-set for `what`.
    pub(crate) fn node_set(&self, value: Value, what: &str) -> Result<Vec<XNode>> {
        match value {
            Value::Nodes(nodes) => Ok(nodes),
            other => Err(format!(
                "{what} applies to a node-set, not to a {}",
                other.type_name()
            )),
        }
    }

    fn path(&self, path: &PathExpr, ctx: Context) -> Result<Vec<XNode>> {
        let mut current = match &path.start {
            PathStart::Root => vec![XNode::Tree(self.html.tree.root().id())],
            PathStart::Context => vec![ctx.node],
            PathStart::Expr(expr) => self.node_set(self.eval(expr, ctx)?, "a path step")?,
        };
        let mut steps = path.steps.iter().peekable();
        while let Some(step) = steps.next() {
            // `//name` without positional predicates: one descendant walk instead of a
            // child step from every node of the subtree.
            let shortcut = is_plain_descendant_or_self(step)
                && steps
                    .peek()
                    .is_some_and(|next| next.axis == Axis::Child && !positional(next));
            let mut next = Vec::new();
            if shortcut {
                let child = steps.next().expect("peeked");
                let merged = Step {
                    axis: Axis::Descendant,
                    test: child.test.clone(),
                    predicates: child.predicates.clone(),
                };
                let matcher = self.matcher(&merged.test, merged.axis)?;
                for node in &current {
                    self.step(&merged, &matcher, *node, &mut next)?;
                }
            } else {
                let matcher = self.matcher(&step.test, step.axis)?;
                for node in &current {
                    self.step(step, &matcher, *node, &mut next)?;
                }
            }
            if current.len() > 1 || step.axis.is_reverse() || shortcut {
                self.sort(&mut next);
            }
            current = next;
        }
        Ok(current)
    }

    /// Appends what `step` selects from `node` to `out`.
    fn step(
        &self,
        step: &Step,
        matcher: &Matcher,
        node: XNode,
        out: &mut Vec<XNode>,
    ) -> Result<()> {
        let mut candidates = Vec::new();
        axis_nodes(self.html, node, step.axis, &mut candidates);
        candidates.retain(|n| matcher.matches(self, *n));
        let mut selected = self.filter(candidates, &step.predicates)?;
        if step.axis.is_reverse() {
            selected.reverse();
        }
        out.append(&mut selected);
        Ok(())
    }

    /// Keeps the nodes for which every predicate holds in turn, positions counted in the
    /// order the nodes are given.
    fn filter(&self, mut nodes: Vec<XNode>, predicates: &[Expr]) -> Result<Vec<XNode>> {
        for predicate in predicates {
            if let Expr::Number(n) = predicate {
                let keep = (n.fract() == 0.0 && *n >= 1.0)
                    .then(|| nodes.get(*n as usize - 1).copied())
                    .flatten();
                nodes = keep.into_iter().collect();
                continue;
            }
            let size = nodes.len();
            let mut kept = Vec::new();
            for (i, node) in nodes.into_iter().enumerate() {
                let ctx = Context {
                    node,
                    position: i + 1,
                    size,
                };
                let holds = match self.eval(predicate, ctx)? {
                    Value::Number(n) => n == (i + 1) as f64,
                    other => self.boolean(&other),
                };
                if holds {
                    kept.push(node);
                }
            }
            nodes = kept;
        }
        Ok(nodes)
    }

    fn matcher(&self, test: &NodeTest, axis: Axis) -> Result<Matcher> {
        let principal = match axis {
            Axis::Attribute => Kind::Attribute,
            _ => Kind::Element,
        };
        let resolve = |prefix: &Option<String>| -> Result<Option<String>> {
            match prefix {
                None => Ok(None),
                Some(prefix) => self
                    .namespaces
                    .iter()
                    .find(|(p, _)| p == prefix)
                    .map(|(_, uri)| Some(uri.clone()))
                    .ok_or_else(|| format!("undefined namespace prefix `{prefix}`")),
            }
        };
        Ok(match test {
            NodeTest::Node => Matcher::Any,
            NodeTest::Text => Matcher::Kind(Kind::Text),
            NodeTest::Comment => Matcher::Kind(Kind::Comment),
            NodeTest::ProcessingInstruction(target) => Matcher::Pi(target.clone()),
            NodeTest::Wildcard { prefix } => Matcher::Name {
                principal,
                ns: resolve(prefix)?,
                local: None,
            },
            NodeTest::Name { prefix, local } => Matcher::Name {
                principal,
                ns: resolve(prefix)?,
                local: Some(local.clone()),
            },
        })
    }

    fn binary(&self, op: BinaryOp, left: &Expr, right: &Expr, ctx: Context) -> Result<Value> {
        Ok(match op {
            BinaryOp::Or => Value::Boolean(self.truth(left, ctx)? || self.truth(right, ctx)?),
            BinaryOp::And => Value::Boolean(self.truth(left, ctx)? && self.truth(right, ctx)?),
            BinaryOp::Union => {
                let mut nodes = self.node_set(self.eval(left, ctx)?, "`|`")?;
                nodes.extend(self.node_set(self.eval(right, ctx)?, "`|`")?);
                self.sort(&mut nodes);
                Value::Nodes(nodes)
            }
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => {
                let (a, b) = (self.eval(left, ctx)?, self.eval(right, ctx)?);
                Value::Boolean(self.compare_values(op, &a, &b))
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => {
                let a = self.number(&self.eval(left, ctx)?);
                let b = self.number(&self.eval(right, ctx)?);
                Value::Number(match op {
                    BinaryOp::Add => a + b,
                    BinaryOp::Sub => a - b,
                    BinaryOp::Mul => a * b,
                    BinaryOp::Div => a / b,
                    _ => a % b,
                })
            }
        })
    }

    fn truth(&self, expr: &Expr, ctx: Context) -> Result<bool> {
        Ok(self.boolean(&self.eval(expr, ctx)?))
    }

    /// Comparison with XPath 1.0's rules (section 3.4): a node-set compares through each of
    /// its nodes' string-values.
    fn compare_values(&self, op: BinaryOp, a: &Value, b: &Value) -> bool {
        let text = |node: &XNode| string_value_ref(self.html, *node);
        match (a, b) {
            (Value::Nodes(xs), Value::Nodes(ys)) => {
                let ys: Vec<_> = ys.iter().map(text).collect();
                xs.iter().any(|x| {
                    let x = text(x);
                    ys.iter().any(|y| self.compare_texts(op, &x, y))
                })
            }
            (Value::Nodes(xs), Value::Boolean(_)) => {
                self.compare_atoms(op, &Value::Boolean(!xs.is_empty()), b)
            }
            (Value::Boolean(_), Value::Nodes(ys)) => {
                self.compare_atoms(op, a, &Value::Boolean(!ys.is_empty()))
            }
            (Value::Nodes(xs), Value::String(s)) if matches!(op, BinaryOp::Eq | BinaryOp::Ne) => {
                xs.iter().any(|x| (*text(x) == **s) == (op == BinaryOp::Eq))
            }
            (Value::String(s), Value::Nodes(ys)) if matches!(op, BinaryOp::Eq | BinaryOp::Ne) => {
                ys.iter().any(|y| (*text(y) == **s) == (op == BinaryOp::Eq))
            }
            (Value::Nodes(xs), other) => xs.iter().any(|x| {
                let x = self.atom_like(&text(x), other);
                self.compare_atoms(op, &x, other)
            }),
            (other, Value::Nodes(ys)) => ys.iter().any(|y| {
                let y = self.atom_like(&text(y), other);
                self.compare_atoms(op, other, &y)
            }),
            _ => self.compare_atoms(op, a, b),
        }
    }

    /// Two string-values compared: as strings for `=` and `!=`, else as numbers.
    fn compare_texts(&self, op: BinaryOp, x: &str, y: &str) -> bool {
        match op {
            BinaryOp::Eq => x == y,
            BinaryOp::Ne => x != y,
            _ => self.compare_atoms(
                op,
                &Value::Number(string_to_number(x)),
                &Value::Number(string_to_number(y)),
            ),
        }
    }

    /// A node's string-value as the type of what it is compared with.
    fn atom_like(&self, text: &str, other: &Value) -> Value {
        match other {
            Value::Number(_) => Value::Number(string_to_number(text)),
            _ => Value::String(text.to_owned()),
        }
    }

    fn compare_atoms(&self, op: BinaryOp, a: &Value, b: &Value) -> bool {
        match op {
            BinaryOp::Eq | BinaryOp::Ne => {
                let equal = match (a, b) {
                    (Value::Boolean(_), _) | (_, Value::Boolean(_)) => {
                        self.boolean(a) == self.boolean(b)
                    }
                    (Value::Number(_), _) | (_, Value::Number(_)) => {
                        self.number(a) == self.number(b)
                    }
                    _ => self.string(a) == self.string(b),
                };
                equal == (op == BinaryOp::Eq)
            }
            _ => {
                let (x, y) = (self.number(a), self.number(b));
                match op {
                    BinaryOp::Lt => x < y,
                    BinaryOp::Le => x <= y,
                    BinaryOp::Gt => x > y,
                    _ => x >= y,
                }
            }
        }
    }

    pub(crate) fn string(&self, value: &Value) -> String {
        match value {
            Value::String(text) => text.clone(),
            Value::Number(n) => number_to_string(*n),
            Value::Boolean(b) => b.to_string(),
            Value::Nodes(nodes) => nodes
                .first()
                .map(|n| string_value(self.html, *n))
                .unwrap_or_default(),
        }
    }

    pub(crate) fn number(&self, value: &Value) -> f64 {
        match value {
            Value::Number(n) => *n,
            Value::Boolean(b) => f64::from(u8::from(*b)),
            other => string_to_number(&self.string(other)),
        }
    }

    pub(crate) fn boolean(&self, value: &Value) -> bool {
        match value {
            Value::Boolean(b) => *b,
            Value::Number(n) => *n != 0.0 && !n.is_nan(),
            Value::String(text) => !text.is_empty(),
            Value::Nodes(nodes) => !nodes.is_empty(),
        }
    }
}

/// A step `descendant-or-self::node()` with no predicates (`//`).
fn is_plain_descendant_or_self(step: &Step) -> bool {
    step.axis == Axis::DescendantOrSelf && step.test == NodeTest::Node && step.predicates.is_empty()
}

/// Whether a step's predicates may depend on positions (a number, or `position()` /
/// `last()` outside a nested path): then `//x[1]` differs from `/descendant::x[1]`.
fn positional(step: &Step) -> bool {
    step.predicates
        .iter()
        .any(|p| !never_a_number(p) || uses_position(p))
}

/// Whether `expr` gives a boolean, string or node-set, never a number.
fn never_a_number(expr: &Expr) -> bool {
    use crawl_xpath::Function as F;
    match expr {
        Expr::Binary(op, ..) => !matches!(
            op,
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod
        ),
        Expr::Path(_) | Expr::Filter(..) | Expr::Literal(_) | Expr::Variable(_) => true,
        Expr::Call(function, _) => !matches!(
            function,
            F::Last
                | F::Position
                | F::Count
                | F::StringLength
                | F::Number
                | F::Sum
                | F::Floor
                | F::Ceiling
                | F::Round
        ),
        Expr::Number(_) | Expr::Negate(_) => false,
    }
}

/// Whether `expr` reads the context position or size (not counting nested paths' own).
fn uses_position(expr: &Expr) -> bool {
    use crawl_xpath::Function as F;
    match expr {
        Expr::Call(F::Position | F::Last, _) => true,
        Expr::Call(_, args) => args.iter().any(uses_position),
        Expr::Binary(_, a, b) => uses_position(a) || uses_position(b),
        Expr::Negate(a) | Expr::Filter(a, _) => uses_position(a),
        Expr::Path(PathExpr {
            start: PathStart::Expr(a),
            ..
        }) => uses_position(a),
        Expr::Path(_) | Expr::Literal(_) | Expr::Number(_) | Expr::Variable(_) => false,
    }
}

/// A compiled node test.
enum Matcher {
    Any,
    Kind(Kind),
    Pi(Option<String>),
    Name {
        principal: Kind,
        /// The namespace URI of the prefix written; `None`: no prefix.
        ns: Option<String>,
        /// `None`: any name (`*`).
        local: Option<String>,
    },
}

impl Matcher {
    fn matches(&self, env: &Env<'_>, node: XNode) -> bool {
        let kind = kind_of(env.html, node);
        match self {
            Matcher::Any => kind != Kind::Other,
            Matcher::Kind(wanted) => kind == *wanted,
            Matcher::Pi(target) => {
                kind == Kind::ProcessingInstruction
                    && target.as_ref().is_none_or(|t| {
                        name_of(env.html, node).is_some_and(|(_, local, _)| local == t)
                    })
            }
            Matcher::Name {
                principal,
                ns,
                local,
            } => {
                if kind != *principal {
                    return false;
                }
                let Some((node_ns, node_local, _)) = name_of(env.html, node) else {
                    return false;
                };
                if local.as_deref().is_some_and(|l| l != node_local) {
                    return false;
                }
                match ns {
                    Some(uri) => uri == node_ns,
                    // HTML: any namespace (lxml's HTML tree has none); XML: none.
                    None => !env.xml || node_ns.is_empty() || node_ns == &*ns!(),
                }
            }
        }
    }
}

//! Type checks that need no document: a node-set is required where a string, number or
//! boolean can never be one (`count('a')`, `'a'/b`, `1 | //a`, `'a'[1]`).

use crate::ast::{BinaryOp, Expr, PathStart};
use crate::Function;

/// The type an expression always has, when it is known without evaluating it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    NodeSet,
    Boolean,
    Number,
    String,
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Type::NodeSet => "node-set",
            Type::Boolean => "boolean",
            Type::Number => "number",
            Type::String => "string",
        }
    }
}

/// The static type of `expr`; `None` for a variable, whose value is known only when it is
/// bound.
fn type_of(expr: &Expr) -> Option<Type> {
    Some(match expr {
        Expr::Literal(_) => Type::String,
        Expr::Number(_) | Expr::Negate(_) => Type::Number,
        Expr::Variable(_) => return None,
        Expr::Path(_) | Expr::Filter(..) => Type::NodeSet,
        Expr::Binary(op, ..) => match op {
            BinaryOp::Union => Type::NodeSet,
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => {
                Type::Number
            }
            _ => Type::Boolean,
        },
        Expr::Call(function, _) => match function {
            Function::Id => Type::NodeSet,
            Function::Last
            | Function::Position
            | Function::Count
            | Function::StringLength
            | Function::Number
            | Function::Sum
            | Function::Floor
            | Function::Ceiling
            | Function::Round => Type::Number,
            Function::LocalName
            | Function::NamespaceUri
            | Function::Name
            | Function::String
            | Function::Concat
            | Function::SubstringBefore
            | Function::SubstringAfter
            | Function::Substring
            | Function::NormalizeSpace
            | Function::Translate => Type::String,
            Function::StartsWith
            | Function::Contains
            | Function::Boolean
            | Function::Not
            | Function::True
            | Function::False
            | Function::Lang
            | Function::HasClass
            | Function::ReTest => Type::Boolean,
        },
    })
}

/// The message when `what` is given something that is never a node-set, as the evaluator
/// words it: "`count()` applies to a node-set, not to a string".
pub(crate) fn require_node_set(expr: &Expr, what: &str) -> Result<(), String> {
    match type_of(expr) {
        Some(Type::NodeSet) | None => Ok(()),
        Some(other) => Err(format!(
            "{what} applies to a node-set, not to a {}",
            other.name()
        )),
    }
}

/// Checks a call's arguments: those that must be node-sets.
pub(crate) fn call(function: Function, args: &[Expr]) -> Result<(), String> {
    let what = format!("`{}()`", function.name());
    match function {
        Function::Count | Function::Sum => require_node_set(&args[0], &what),
        Function::LocalName | Function::NamespaceUri | Function::Name => match args.first() {
            Some(arg) => require_node_set(arg, &what),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Checks the start of a path that begins with a filter expression.
pub(crate) fn path_start(start: &PathStart) -> Result<(), String> {
    match start {
        PathStart::Expr(expr) => require_node_set(expr, "a path step"),
        _ => Ok(()),
    }
}

//! A recursive-descent parser over the tokens, following XPath 1.0's grammar (section 3).

use crate::ast::{Axis, BinaryOp, Expr, NodeTest, PathExpr, PathStart, Step};
use crate::check;
use crate::lexer::{tokenize, Tok};
use crate::{Function, XPathError};

/// How deep expressions may nest (parentheses, predicates, arguments), so that no input
/// overflows the stack of the parser or of an evaluator.
const MAX_DEPTH: usize = 128;

pub(crate) fn parse(xpath: &str) -> Result<Expr, XPathError> {
    let tokens = tokenize(xpath)?;
    let mut parser = Parser {
        xpath,
        tokens,
        at: 0,
        depth: 0,
    };
    if parser.tokens.is_empty() {
        return Err(XPathError::invalid(xpath, "empty expression", 0));
    }
    let expr = parser.expr()?;
    match parser.peek() {
        None => Ok(expr),
        Some(tok) => Err(parser.error_here(format!("unexpected {}", tok.describe()))),
    }
}

struct Parser<'a> {
    xpath: &'a str,
    tokens: Vec<(Tok, usize)>,
    at: usize,
    depth: usize,
}

/// The binary operators by precedence level, loosest first (`|` binds tighter than unary
/// minus and is handled apart).
const LEVELS: [&[(Tok, BinaryOp)]; 6] = [
    &[(Tok::OperatorName("or"), BinaryOp::Or)],
    &[(Tok::OperatorName("and"), BinaryOp::And)],
    &[(Tok::Eq, BinaryOp::Eq), (Tok::Ne, BinaryOp::Ne)],
    &[
        (Tok::Lt, BinaryOp::Lt),
        (Tok::Le, BinaryOp::Le),
        (Tok::Gt, BinaryOp::Gt),
        (Tok::Ge, BinaryOp::Ge),
    ],
    &[(Tok::Plus, BinaryOp::Add), (Tok::Minus, BinaryOp::Sub)],
    &[
        (Tok::Multiply, BinaryOp::Mul),
        (Tok::OperatorName("div"), BinaryOp::Div),
        (Tok::OperatorName("mod"), BinaryOp::Mod),
    ],
];

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at).map(|t| &t.0)
    }

    fn peek_at(&self, ahead: usize) -> Option<&Tok> {
        self.tokens.get(self.at + ahead).map(|t| &t.0)
    }

    /// The offset of the current token (the end of the input past the last one).
    fn offset(&self) -> usize {
        self.tokens.get(self.at).map_or(self.xpath.len(), |t| t.1)
    }

    fn error_here(&self, detail: String) -> XPathError {
        XPathError::invalid(self.xpath, detail, self.offset())
    }

    fn found(&self) -> String {
        self.peek()
            .map_or_else(|| "end of input".to_owned(), Tok::describe)
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == Some(tok) {
            self.at += 1;
            return true;
        }
        false
    }

    fn expect(&mut self, tok: &Tok) -> Result<(), XPathError> {
        match self.eat(tok) {
            true => Ok(()),
            false => Err(self.error_here(format!(
                "expected {}, found {}",
                tok.describe(),
                self.found()
            ))),
        }
    }

    fn nested<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, XPathError>,
    ) -> Result<T, XPathError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error_here(format!("expression nested deeper than {MAX_DEPTH}")));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    fn expr(&mut self) -> Result<Expr, XPathError> {
        self.nested(|p| p.binary(0))
    }

    fn binary(&mut self, level: usize) -> Result<Expr, XPathError> {
        let Some(ops) = LEVELS.get(level) else {
            return self.unary();
        };
        let mut left = self.binary(level + 1)?;
        loop {
            let Some(op) = ops
                .iter()
                .find(|(t, _)| self.peek() == Some(t))
                .map(|o| o.1)
            else {
                return Ok(left);
            };
            self.at += 1;
            let right = self.binary(level + 1)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Expr, XPathError> {
        let mut negations = 0;
        while self.eat(&Tok::Minus) {
            negations += 1;
        }
        let mut expr = self.union()?;
        for _ in 0..negations % 2 {
            expr = Expr::Negate(Box::new(expr));
        }
        Ok(expr)
    }

    fn union(&mut self) -> Result<Expr, XPathError> {
        let start = self.offset();
        let mut left = self.path()?;
        while self.eat(&Tok::Pipe) {
            let at = self.offset();
            let right = self.path()?;
            for (operand, offset) in [(&left, start), (&right, at)] {
                check::require_node_set(operand, "`|`")
                    .map_err(|detail| XPathError::invalid(self.xpath, detail, offset))?;
            }
            left = Expr::Binary(BinaryOp::Union, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// Whether the current token starts a filter expression (a primary expression) rather
    /// than a location path.
    fn at_primary(&self) -> bool {
        match self.peek() {
            Some(Tok::Variable(_) | Tok::LParen | Tok::Literal(_) | Tok::Number(_)) => true,
            Some(Tok::Name(prefix, local)) => {
                self.peek_at(1) == Some(&Tok::LParen)
                    && !(prefix.is_none() && node_type(local).is_some())
            }
            _ => false,
        }
    }

    fn path(&mut self) -> Result<Expr, XPathError> {
        if !self.at_primary() {
            if !(self.at_step() || matches!(self.peek(), Some(Tok::Slash | Tok::DoubleSlash))) {
                return Err(
                    self.error_here(format!("expected an expression, found {}", self.found()))
                );
            }
            return self.location_path().map(Expr::Path);
        }
        let start = self.offset();
        let primary = self.primary()?;
        let predicates = self.predicates()?;
        if !predicates.is_empty() {
            check::require_node_set(&primary, "a predicate")
                .map_err(|detail| XPathError::invalid(self.xpath, detail, start))?;
        }
        let filter = match predicates.is_empty() {
            true => primary,
            false => Expr::Filter(Box::new(primary), predicates),
        };
        let mut steps = Vec::new();
        loop {
            if self.eat(&Tok::Slash) {
                steps.push(self.step()?);
            } else if self.eat(&Tok::DoubleSlash) {
                steps.push(descendant_or_self());
                steps.push(self.step()?);
            } else {
                break;
            }
            self.relative_steps(&mut steps)?;
        }
        if steps.is_empty() {
            return Ok(filter);
        }
        let start_expr = PathStart::Expr(Box::new(filter));
        check::path_start(&start_expr)
            .map_err(|detail| XPathError::invalid(self.xpath, detail, start))?;
        Ok(Expr::Path(PathExpr {
            start: start_expr,
            steps,
        }))
    }

    fn location_path(&mut self) -> Result<PathExpr, XPathError> {
        let mut steps = Vec::new();
        let start = match self.peek() {
            Some(Tok::Slash) => {
                self.at += 1;
                if !self.at_step() {
                    return Ok(PathExpr {
                        start: PathStart::Root,
                        steps,
                    });
                }
                PathStart::Root
            }
            Some(Tok::DoubleSlash) => {
                self.at += 1;
                steps.push(descendant_or_self());
                PathStart::Root
            }
            _ => PathStart::Context,
        };
        steps.push(self.step()?);
        self.relative_steps(&mut steps)?;
        Ok(PathExpr { start, steps })
    }

    /// Further `/step` and `//step`, after a first step.
    fn relative_steps(&mut self, steps: &mut Vec<Step>) -> Result<(), XPathError> {
        loop {
            if self.eat(&Tok::Slash) {
                steps.push(self.step()?);
            } else if self.eat(&Tok::DoubleSlash) {
                steps.push(descendant_or_self());
                steps.push(self.step()?);
            } else {
                return Ok(());
            }
        }
    }

    fn at_step(&self) -> bool {
        matches!(
            self.peek(),
            Some(
                Tok::Name(..)
                    | Tok::Star
                    | Tok::PrefixWildcard(_)
                    | Tok::At
                    | Tok::Dot
                    | Tok::DotDot
            )
        )
    }

    fn step(&mut self) -> Result<Step, XPathError> {
        let abbreviated = match self.peek() {
            Some(Tok::Dot) => Some(Axis::SelfAxis),
            Some(Tok::DotDot) => Some(Axis::Parent),
            _ => None,
        };
        if let Some(axis) = abbreviated {
            self.at += 1;
            if self.peek() == Some(&Tok::LBracket) {
                return Err(self.error_here(
                    "a predicate cannot follow `.` or `..` (write `self::node()[...]`)".to_owned(),
                ));
            }
            return Ok(Step {
                axis,
                test: NodeTest::Node,
                predicates: Vec::new(),
            });
        }
        let axis = self.axis()?;
        let test = self.node_test()?;
        let predicates = self.predicates()?;
        Ok(Step {
            axis,
            test,
            predicates,
        })
    }

    fn axis(&mut self) -> Result<Axis, XPathError> {
        if self.eat(&Tok::At) {
            return Ok(Axis::Attribute);
        }
        let Some(Tok::Name(None, name)) = self.peek() else {
            return Ok(Axis::Child);
        };
        if self.peek_at(1) != Some(&Tok::ColonColon) {
            return Ok(Axis::Child);
        }
        let Some(axis) = Axis::from_name(name) else {
            let suggestion = Axis::NAMES
                .iter()
                .map(|known| (known, strsim::jaro_winkler(name, known)))
                .filter(|(_, score)| *score > 0.85)
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map_or_else(String::new, |(known, _)| {
                    format!("; did you mean `{known}`?")
                });
            return Err(self.error_here(format!("unknown axis `{name}::`{suggestion}")));
        };
        self.at += 2;
        Ok(axis)
    }

    fn node_test(&mut self) -> Result<NodeTest, XPathError> {
        let test = match self.peek().cloned() {
            Some(Tok::Star) => NodeTest::Wildcard { prefix: None },
            Some(Tok::PrefixWildcard(prefix)) => NodeTest::Wildcard {
                prefix: Some(prefix),
            },
            Some(Tok::Name(None, local)) if self.peek_at(1) == Some(&Tok::LParen) => {
                return self.node_type_test(&local);
            }
            Some(Tok::Name(prefix, local)) => NodeTest::Name { prefix, local },
            _ => {
                return Err(self.error_here(format!(
                    "expected a step (a name, `*`, `@`, `.`, `..` or `text()`), found {}",
                    self.found()
                )))
            }
        };
        self.at += 1;
        Ok(test)
    }

    /// `text()`, `node()`, `comment()`, `processing-instruction('target'?)`.
    fn node_type_test(&mut self, name: &str) -> Result<NodeTest, XPathError> {
        let Some(test) = node_type(name) else {
            return Err(self.error_here(format!(
                "`{name}()` is a function, not a step: it cannot follow `/` or an axis"
            )));
        };
        let offset = self.offset();
        self.at += 2;
        if let (NodeTest::ProcessingInstruction(_), Some(Tok::Literal(target))) =
            (&test, self.peek().cloned())
        {
            self.at += 1;
            self.expect(&Tok::RParen)?;
            return Ok(NodeTest::ProcessingInstruction(Some(target)));
        }
        if !self.eat(&Tok::RParen) {
            return Err(XPathError::invalid(
                self.xpath,
                format!("`{name}()` takes no arguments"),
                offset,
            ));
        }
        Ok(test)
    }

    fn predicates(&mut self) -> Result<Vec<Expr>, XPathError> {
        let mut predicates = Vec::new();
        while self.eat(&Tok::LBracket) {
            predicates.push(self.expr()?);
            self.expect(&Tok::RBracket)?;
        }
        Ok(predicates)
    }

    fn primary(&mut self) -> Result<Expr, XPathError> {
        let offset = self.offset();
        let Some(tok) = self.peek().cloned() else {
            return Err(self.error_here("unexpected end of input".to_owned()));
        };
        self.at += 1;
        match tok {
            Tok::Variable(name) => Ok(Expr::Variable(name)),
            Tok::Literal(text) => Ok(Expr::Literal(text)),
            Tok::Number(n) => Ok(Expr::Number(n)),
            Tok::LParen => {
                let inner = self.expr()?;
                self.expect(&Tok::RParen)?;
                Ok(inner)
            }
            Tok::Name(prefix, local) => self.call(prefix, local, offset),
            other => unreachable!("not a primary expression: {other:?}"),
        }
    }

    fn call(
        &mut self,
        prefix: Option<String>,
        local: String,
        offset: usize,
    ) -> Result<Expr, XPathError> {
        let name = match prefix {
            Some(prefix) => format!("{prefix}:{local}"),
            None => local,
        };
        let function = Function::from_name(&name).ok_or_else(|| {
            let hint = Function::suggest(&name)
                .map_or_else(String::new, |known| format!("; did you mean `{known}()`?"));
            XPathError::invalid(
                self.xpath,
                format!("unknown function `{name}()`{hint}"),
                offset,
            )
        })?;
        self.expect(&Tok::LParen)?;
        let mut args = Vec::new();
        if !self.eat(&Tok::RParen) {
            loop {
                args.push(self.expr()?);
                if self.eat(&Tok::RParen) {
                    break;
                }
                if !self.eat(&Tok::Comma) {
                    return Err(self.error_here(format!(
                        "expected `,` or `)` in the arguments of `{name}()`, found {}",
                        self.found()
                    )));
                }
            }
        }
        let (min, max) = function.arity();
        if args.len() < min || max.is_some_and(|max| args.len() > max) {
            return Err(XPathError::invalid(
                self.xpath,
                format!("`{name}()` {}, found {}", function.arity_text(), args.len()),
                offset,
            ));
        }
        check::call(function, &args)
            .map_err(|detail| XPathError::invalid(self.xpath, detail, offset))?;
        Ok(Expr::Call(function, args))
    }
}

fn descendant_or_self() -> Step {
    Step {
        axis: Axis::DescendantOrSelf,
        test: NodeTest::Node,
        predicates: Vec::new(),
    }
}

fn node_type(name: &str) -> Option<NodeTest> {
    Some(match name {
        "node" => NodeTest::Node,
        "text" => NodeTest::Text,
        "comment" => NodeTest::Comment,
        "processing-instruction" => NodeTest::ProcessingInstruction(None),
        _ => return None,
    })
}

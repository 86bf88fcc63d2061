//! The function library (XPath 1.0, section 4), parsel's `has-class` and EXSLT's `re:test`.

use crawl_xpath::{Expr, Function};
use scraper::Node;

use super::eval::{Context, Env, Result};
use super::node::{name_of, string_value, XNode};
use super::value::{is_xml_space, Value};

impl Env<'_> {
    pub(crate) fn call(&self, function: Function, args: &[Expr], ctx: Context) -> Result<Value> {
        let arg = |i: usize| self.eval(&args[i], ctx);
        let string_arg = |i: usize| -> Result<String> {
            match args.get(i) {
                Some(expr) => Ok(self.string(&self.eval(expr, ctx)?)),
                None => Ok(string_value(self.html, ctx.node)),
            }
        };
        let number_arg = |i: usize| -> Result<f64> { Ok(self.number(&arg(i)?)) };
        // The first node of the argument in document order, or the context node.
        let node_arg = |i: usize| -> Result<Option<XNode>> {
            match args.get(i) {
                Some(expr) => {
                    let nodes =
                        self.node_set(self.eval(expr, ctx)?, &format!("`{}()`", function.name()))?;
                    Ok(nodes.first().copied())
                }
                None => Ok(Some(ctx.node)),
            }
        };
        Ok(match function {
            Function::Last => Value::Number(ctx.size as f64),
            Function::Position => Value::Number(ctx.position as f64),
            Function::Count => {
                let nodes = self.node_set(arg(0)?, "`count()`")?;
                Value::Number(nodes.len() as f64)
            }
            Function::Id => Value::Nodes(self.id(arg(0)?)),
            Function::LocalName | Function::NamespaceUri | Function::Name => {
                let name = node_arg(0)?.and_then(|node| name_of(self.html, node));
                let Some((ns, local, prefix)) = name else {
                    return Ok(Value::String(String::new()));
                };
                Value::String(match function {
                    Function::LocalName => local.to_owned(),
                    // lxml's HTML tree has no namespaces.
                    Function::NamespaceUri if !self.xml && ns == "http://www.w3.org/1999/xhtml" => {
                        String::new()
                    }
                    Function::NamespaceUri => ns.to_owned(),
                    _ => match prefix {
                        Some(prefix) if self.xml || !prefix.is_empty() => {
                            format!("{prefix}:{local}")
                        }
                        _ => local.to_owned(),
                    },
                })
            }
            Function::String => Value::String(match args.first() {
                Some(expr) => self.string(&self.eval(expr, ctx)?),
                None => string_value(self.html, ctx.node),
            }),
            Function::Concat => {
                let mut out = String::new();
                for i in 0..args.len() {
                    out.push_str(&string_arg(i)?);
                }
                Value::String(out)
            }
            Function::StartsWith => Value::Boolean(string_arg(0)?.starts_with(&string_arg(1)?)),
            Function::Contains => Value::Boolean(string_arg(0)?.contains(&string_arg(1)?)),
            Function::SubstringBefore => {
                let (text, needle) = (string_arg(0)?, string_arg(1)?);
                Value::String(
                    text.find(&needle)
                        .map_or_else(String::new, |at| text[..at].to_owned()),
                )
            }
            Function::SubstringAfter => {
                let (text, needle) = (string_arg(0)?, string_arg(1)?);
                Value::String(
                    text.find(&needle)
                        .map_or_else(String::new, |at| text[at + needle.len()..].to_owned()),
                )
            }
            Function::Substring => {
                let text = string_arg(0)?;
                let start = round(number_arg(1)?);
                let end = match args.get(2) {
                    Some(_) => start + round(number_arg(2)?),
                    None => f64::INFINITY,
                };
                // Characters at positions p (from 1) with start <= p < end.
                let kept = text
                    .chars()
                    .enumerate()
                    .filter(|(i, _)| {
                        let p = (*i + 1) as f64;
                        p >= start && p < end
                    })
                    .map(|(_, c)| c)
                    .collect();
                Value::String(kept)
            }
            Function::StringLength => Value::Number(string_arg(0)?.chars().count() as f64),
            Function::NormalizeSpace => {
                let text = string_arg(0)?;
                let words: Vec<&str> = text.split(is_xml_space).filter(|w| !w.is_empty()).collect();
                Value::String(words.join(" "))
            }
            Function::Translate => {
                let (text, from, to) = (string_arg(0)?, string_arg(1)?, string_arg(2)?);
                let to: Vec<char> = to.chars().collect();
                let map = |c: char| match from.chars().position(|f| f == c) {
                    Some(i) => to.get(i).copied(),
                    None => Some(c),
                };
                Value::String(text.chars().filter_map(map).collect())
            }
            Function::Boolean => Value::Boolean(self.boolean(&arg(0)?)),
            Function::Not => Value::Boolean(!self.boolean(&arg(0)?)),
            Function::True => Value::Boolean(true),
            Function::False => Value::Boolean(false),
            Function::Lang => Value::Boolean(self.lang(ctx.node, &string_arg(0)?)),
            Function::Number => Value::Number(match args.first() {
                Some(_) => number_arg(0)?,
                None => self.number(&Value::String(string_value(self.html, ctx.node))),
            }),
            Function::Sum => {
                let nodes = self.node_set(arg(0)?, "`sum()`")?;
                let numbers = nodes
                    .iter()
                    .map(|n| self.number(&Value::String(string_value(self.html, *n))));
                Value::Number(numbers.sum())
            }
            Function::Floor => Value::Number(number_arg(0)?.floor()),
            Function::Ceiling => Value::Number(number_arg(0)?.ceil()),
            Function::Round => Value::Number(round(number_arg(0)?)),
            Function::HasClass => {
                let mut wanted = Vec::new();
                for i in 0..args.len() {
                    wanted.push(string_arg(i)?);
                }
                Value::Boolean(self.has_class(ctx.node, &wanted))
            }
            Function::ReTest => {
                let (text, pattern) = (string_arg(0)?, string_arg(1)?);
                let flags = match args.get(2) {
                    Some(_) => string_arg(2)?,
                    None => String::new(),
                };
                let pattern = match flags.contains('i') {
                    true => format!("(?i){pattern}"),
                    false => pattern,
                };
                let regex = crate::selector::re::compile(&pattern).map_err(|e| e.to_string())?;
                Value::Boolean(regex.is_match(&text))
            }
        })
    }

    /// `id()`: the elements whose `id` attribute is one of the whitespace-separated tokens.
    fn id(&self, value: Value) -> Vec<XNode> {
        let text = match &value {
            Value::Nodes(nodes) => nodes
                .iter()
                .map(|n| string_value(self.html, *n))
                .collect::<Vec<_>>()
                .join(" "),
            other => self.string(other),
        };
        let tokens: Vec<&str> = text.split(is_xml_space).filter(|t| !t.is_empty()).collect();
        if tokens.is_empty() {
            return Vec::new();
        }
        self.html
            .tree
            .root()
            .descendants()
            .filter(|n| {
                n.value()
                    .as_element()
                    .and_then(|e| e.attr("id"))
                    .is_some_and(|id| tokens.contains(&id))
            })
            .map(|n| XNode::Tree(n.id()))
            .collect()
    }

    /// `lang()`: whether the nearest `xml:lang` (or, in HTML, `lang`) of the context node
    /// or its ancestors is `lang` or a sub-language of it, ignoring case.
    fn lang(&self, node: XNode, lang: &str) -> bool {
        let Some(start) = self.html.tree.get(node.tree_id()) else {
            return false;
        };
        let declared = start.ancestors().chain([start]).collect::<Vec<_>>();
        let found = declared.iter().rev().find_map(|n| {
            let element = n.value().as_element()?;
            element
                .attrs
                .iter()
                .find(|(name, _)| {
                    &*name.local == "lang"
                        && (name.prefix.as_deref() == Some("xml")
                            || &*name.ns == "http://www.w3.org/XML/1998/namespace"
                            || (!self.xml && name.ns.is_empty()))
                })
                .map(|(_, value)| value.to_string())
        });
        found.is_some_and(|value| {
            let value = value.to_ascii_lowercase();
            let lang = lang.to_ascii_lowercase();
            value == lang
                || value
                    .strip_prefix(&lang)
                    .is_some_and(|rest| rest.starts_with('-'))
        })
    }

    /// parsel's `has-class()`: whether the context element's `class` holds every name.
    fn has_class(&self, node: XNode, wanted: &[String]) -> bool {
        let XNode::Tree(id) = node else {
            return false;
        };
        let Some(Node::Element(element)) = self.html.tree.get(id).map(|n| n.value()) else {
            return false;
        };
        let Some(classes) = element.attr("class") else {
            return false;
        };
        let is_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{c}');
        let classes: Vec<&str> = classes.split(is_space).collect();
        wanted.iter().all(|w| classes.contains(&w.as_str()))
    }
}

/// XPath's `round()`: the nearest integer, halves up; NaN and infinities unchanged.
fn round(n: f64) -> f64 {
    if n.is_nan() || n.is_infinite() {
        return n;
    }
    if (-0.5..0.0).contains(&n) {
        return -0.0;
    }
    (n + 0.5).floor()
}

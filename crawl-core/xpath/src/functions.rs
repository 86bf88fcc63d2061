//! The function library: XPath 1.0's core functions, parsel's `has-class` and EXSLT's
//! `re:test`, with their argument counts.

/// A known function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `last()`
    Last,
    /// `position()`
    Position,
    /// `count(node-set)`
    Count,
    /// `id(object)`
    Id,
    /// `local-name(node-set?)`
    LocalName,
    /// `namespace-uri(node-set?)`
    NamespaceUri,
    /// `name(node-set?)`
    Name,
    /// `string(object?)`
    String,
    /// `concat(string, string, string*)`
    Concat,
    /// `starts-with(string, string)`
    StartsWith,
    /// `contains(string, string)`
    Contains,
    /// `substring-before(string, string)`
    SubstringBefore,
    /// `substring-after(string, string)`
    SubstringAfter,
    /// `substring(string, number, number?)`
    Substring,
    /// `string-length(string?)`
    StringLength,
    /// `normalize-space(string?)`
    NormalizeSpace,
    /// `translate(string, string, string)`
    Translate,
    /// `boolean(object)`
    Boolean,
    /// `not(boolean)`
    Not,
    /// `true()`
    True,
    /// `false()`
    False,
    /// `lang(string)`
    Lang,
    /// `number(object?)`
    Number,
    /// `sum(node-set)`
    Sum,
    /// `floor(number)`
    Floor,
    /// `ceiling(number)`
    Ceiling,
    /// `round(number)`
    Round,
    /// parsel's `has-class(name, ...)`: whether the context element has every class given.
    HasClass,
    /// EXSLT's `re:test(string, pattern, flags?)`: whether the regular expression matches
    /// (flag `i`: ignore case).
    ReTest,
}

/// Each function's name and its least and greatest argument counts (`None`: no limit).
const TABLE: &[(&str, Function, usize, Option<usize>)] = &[
    ("last", Function::Last, 0, Some(0)),
    ("position", Function::Position, 0, Some(0)),
    ("count", Function::Count, 1, Some(1)),
    ("id", Function::Id, 1, Some(1)),
    ("local-name", Function::LocalName, 0, Some(1)),
    ("namespace-uri", Function::NamespaceUri, 0, Some(1)),
    ("name", Function::Name, 0, Some(1)),
    ("string", Function::String, 0, Some(1)),
    ("concat", Function::Concat, 2, None),
    ("starts-with", Function::StartsWith, 2, Some(2)),
    ("contains", Function::Contains, 2, Some(2)),
    ("substring-before", Function::SubstringBefore, 2, Some(2)),
    ("substring-after", Function::SubstringAfter, 2, Some(2)),
    ("substring", Function::Substring, 2, Some(3)),
    ("string-length", Function::StringLength, 0, Some(1)),
    ("normalize-space", Function::NormalizeSpace, 0, Some(1)),
    ("translate", Function::Translate, 3, Some(3)),
    ("boolean", Function::Boolean, 1, Some(1)),
    ("not", Function::Not, 1, Some(1)),
    ("true", Function::True, 0, Some(0)),
    ("false", Function::False, 0, Some(0)),
    ("lang", Function::Lang, 1, Some(1)),
    ("number", Function::Number, 0, Some(1)),
    ("sum", Function::Sum, 1, Some(1)),
    ("floor", Function::Floor, 1, Some(1)),
    ("ceiling", Function::Ceiling, 1, Some(1)),
    ("round", Function::Round, 1, Some(1)),
    ("has-class", Function::HasClass, 1, None),
    ("re:test", Function::ReTest, 2, Some(3)),
];

impl Function {
    /// The function called `name` (with its prefix, as in `re:test`), if known.
    pub fn from_name(name: &str) -> Option<Function> {
        TABLE.iter().find(|e| e.0 == name).map(|e| e.1)
    }

    /// The function's name as written in an expression.
    pub fn name(self) -> &'static str {
        self.entry().0
    }

    /// The least and greatest argument counts (`None`: no limit).
    pub fn arity(self) -> (usize, Option<usize>) {
        let entry = self.entry();
        (entry.2, entry.3)
    }

    fn entry(self) -> &'static (&'static str, Function, usize, Option<usize>) {
        TABLE
            .iter()
            .find(|e| e.1 == self)
            .expect("every function is in the table")
    }

    /// The known name nearest to `name`, if one is near enough to be a typo.
    pub(crate) fn suggest(name: &str) -> Option<&'static str> {
        TABLE
            .iter()
            .map(|e| (e.0, strsim::jaro_winkler(name, e.0)))
            .filter(|(_, score)| *score > 0.85)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(known, _)| known)
    }

    /// "takes 2 arguments", "takes 1 or 2 arguments", "takes at least 2 arguments".
    pub(crate) fn arity_text(self) -> String {
        let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
        match self.arity() {
            (0, Some(0)) => "takes no arguments".to_owned(),
            (min, Some(max)) if min == max => format!("takes {min} {}", plural(min)),
            (0, Some(max)) => format!("takes at most {max} {}", plural(max)),
            (min, Some(max)) if max == min + 1 => format!("takes {min} or {max} arguments"),
            (min, Some(max)) => format!("takes {min} to {max} arguments"),
            (min, None) => format!("takes at least {min} {}", plural(min)),
        }
    }
}

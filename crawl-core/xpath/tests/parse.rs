//! The parser: the trees it builds, the errors it reports, and no panic on any input.

use crawl_xpath::{parse, Axis, BinaryOp, Expr, Function, NodeTest, PathExpr, PathStart, Step};
use proptest::prelude::*;

fn path(expr: &str) -> PathExpr {
    match parse(expr) {
        Ok(Expr::Path(path)) => path,
        other => panic!("{expr}: {other:?}"),
    }
}

fn error(expr: &str) -> (String, Option<usize>) {
    let error = parse(expr).expect_err(expr);
    (error.message, error.offset)
}

fn name(local: &str) -> NodeTest {
    NodeTest::Name {
        prefix: None,
        local: local.to_owned(),
    }
}

#[test]
fn abbreviations_expand_to_axes() {
    let p = path("//div/@class");
    assert_eq!(p.start, PathStart::Root);
    let axes: Vec<Axis> = p.steps.iter().map(|s| s.axis).collect();
    assert_eq!(axes, [Axis::DescendantOrSelf, Axis::Child, Axis::Attribute]);
    assert_eq!(p.steps[1].test, name("div"));
    let p = path("../.");
    assert_eq!(p.start, PathStart::Context);
    assert_eq!(p.steps[0].axis, Axis::Parent);
    assert_eq!(p.steps[1].axis, Axis::SelfAxis);
    assert_eq!(path("/").steps, Vec::<Step>::new());
}

#[test]
fn every_axis_parses_by_name() {
    for axis in Axis::NAMES {
        let p = path(&format!("{axis}::node()"));
        assert_eq!(p.steps[0].axis, Axis::from_name(axis).unwrap());
    }
}

#[test]
fn star_and_operator_names_depend_on_the_token_before() {
    // `*` after `/` is a name test, after an operand it multiplies; `div` likewise.
    let Expr::Binary(BinaryOp::Mul, left, _) = parse("div * div").unwrap() else {
        panic!()
    };
    assert_eq!(
        *left,
        Expr::Path(PathExpr {
            start: PathStart::Context,
            steps: vec![Step {
                axis: Axis::Child,
                test: name("div"),
                predicates: vec![]
            }]
        })
    );
    let p = path("/*/and");
    assert_eq!(p.steps[0].test, NodeTest::Wildcard { prefix: None });
    assert_eq!(p.steps[1].test, name("and"));
    assert!(matches!(
        parse("6 div 2 mod 4").unwrap(),
        Expr::Binary(BinaryOp::Mod, ..)
    ));
}

#[test]
fn precedence_follows_the_grammar() {
    // or < and < = < relational < + < * < unary - < |
    let Expr::Binary(BinaryOp::Or, _, right) = parse("1 or 2 and 3").unwrap() else {
        panic!()
    };
    assert!(matches!(*right, Expr::Binary(BinaryOp::And, ..)));
    let Expr::Binary(BinaryOp::Add, _, right) = parse("1 + 2 * 3").unwrap() else {
        panic!()
    };
    assert!(matches!(*right, Expr::Binary(BinaryOp::Mul, ..)));
    let Expr::Negate(inner) = parse("-a | b").unwrap() else {
        panic!()
    };
    assert!(matches!(*inner, Expr::Binary(BinaryOp::Union, ..)));
    assert_eq!(parse("--1").unwrap(), Expr::Number(1.0));
    assert_eq!(parse(".5").unwrap(), Expr::Number(0.5));
}

#[test]
fn functions_filters_and_predicates() {
    let p = path("//a[contains(@href, 'x')][2]");
    let predicates = &p.steps[1].predicates;
    assert_eq!(predicates.len(), 2);
    assert!(matches!(predicates[0], Expr::Call(Function::Contains, ref args) if args.len() == 2));
    assert_eq!(predicates[1], Expr::Number(2.0));
    let p = path("(//a)[1]/@href");
    assert!(matches!(p.start, PathStart::Expr(ref e) if matches!(**e, Expr::Filter(..))));
    assert!(matches!(
        parse("re:test(., '^a', 'i')").unwrap(),
        Expr::Call(Function::ReTest, _)
    ));
    assert!(matches!(parse("$x").unwrap(), Expr::Variable(ref n) if n == "x"));
    let p = path("s:urlset/s:*/processing-instruction('php')");
    assert_eq!(
        p.steps[0].test,
        NodeTest::Name {
            prefix: Some("s".into()),
            local: "urlset".into()
        }
    );
    assert_eq!(
        p.steps[1].test,
        NodeTest::Wildcard {
            prefix: Some("s".into())
        }
    );
    assert_eq!(
        p.steps[2].test,
        NodeTest::ProcessingInstruction(Some("php".into()))
    );
}

#[test]
fn errors_say_what_and_where() {
    let cases: &[(&str, &str, usize)] = &[
        ("//a[", "invalid xpath `//a[`: expected an expression, found end of input", 4),
        ("//a[1", "invalid xpath `//a[1`: expected `]`, found end of input", 5),
        ("//a[@href='x]", "invalid xpath `//a[@href='x]`: string literal not closed: missing `'`", 10),
        ("//p/txt()", "invalid xpath `//p/txt()`: `txt()` is a function, not a step: it cannot follow `/` or an axis", 4),
        ("bogus(1)", "invalid xpath `bogus(1)`: unknown function `bogus()`", 0),
        ("//a[contans(., 'x')]", "invalid xpath `//a[contans(., 'x')]`: unknown function `contans()`; did you mean `contains()`?", 4),
        ("count()", "invalid xpath `count()`: `count()` takes 1 argument, found 0", 0),
        ("substring('a')", "invalid xpath `substring('a')`: `substring()` takes 2 or 3 arguments, found 1", 0),
        ("string(1, 2)", "invalid xpath `string(1, 2)`: `string()` takes at most 1 argument, found 2", 0),
        ("concat('a')", "invalid xpath `concat('a')`: `concat()` takes at least 2 arguments, found 1", 0),
        ("text(1)", "invalid xpath `text(1)`: `text()` takes no arguments", 0),
        ("chlid::a", "invalid xpath `chlid::a`: unknown axis `chlid::`; did you mean `child`?", 0),
        ("//a b", "invalid xpath `//a b`: expected an operator, found `b`", 4),
        ("a]", "invalid xpath `a]`: unexpected `]`", 1),
        ("", "invalid xpath ``: empty expression", 0),
        ("a # b", "invalid xpath `a # b`: unexpected character `#`", 2),
        ("./[1]", "invalid xpath `./[1]`: expected a step (a name, `*`, `@`, `.`, `..` or `text()`), found `[`", 2),
        ("f(", "invalid xpath `f(`: unknown function `f()`", 0),
        ("contains(a b)", "invalid xpath `contains(a b)`: expected an operator, found `b`", 11),
        ("contains(a;", "invalid xpath `contains(a;`: unexpected character `;`", 10),
        ("count('a')", "invalid xpath `count('a')`: `count()` applies to a node-set, not to a string", 0),
        ("name(1 + 1)", "invalid xpath `name(1 + 1)`: `name()` applies to a node-set, not to a number", 0),
        ("'a'/b", "invalid xpath `'a'/b`: a path step applies to a node-set, not to a string", 0),
        ("//a | 3", "invalid xpath `//a | 3`: `|` applies to a node-set, not to a number", 6),
        ("1[1]", "invalid xpath `1[1]`: a predicate applies to a node-set, not to a number", 0),
        ("concat(a, b", "invalid xpath `concat(a, b`: expected `,` or `)` in the arguments of `concat()`, found end of input", 11),
    ];
    for (expr, message, offset) in cases {
        assert_eq!(error(expr), (message.to_string(), Some(*offset)), "{expr}");
    }
}

#[test]
fn nesting_is_capped() {
    let deep = format!("{}1{}", "(".repeat(500), ")".repeat(500));
    assert!(error(&deep).0.contains("nested deeper than 128"));
    let ok = format!("{}1{}", "(".repeat(100), ")".repeat(100));
    assert_eq!(parse(&ok).unwrap(), Expr::Number(1.0));
}

/// Text made of the pieces expressions are built from.
fn expr_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "a",
            "div",
            "//",
            "/",
            ".",
            "..",
            "@",
            "*",
            "[",
            "]",
            "(",
            ")",
            "'x'",
            "\"",
            "1",
            "2.5",
            ",",
            "|",
            "=",
            "!=",
            "<",
            ">=",
            "+",
            "-",
            " and ",
            " or ",
            " div ",
            "::",
            "child",
            "text()",
            "node()",
            "contains",
            "count",
            "position()",
            "last()",
            "$v",
            "s:",
            ":",
            "é",
            " ",
            "processing-instruction(",
            "re:test",
        ]),
        0..16,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics_on_any_string(text in any::<String>()) {
        if let Err(error) = parse(&text) {
            prop_assert!(error.offset.is_some_and(|at| at <= text.len()));
        }
    }

    #[test]
    fn parse_never_panics_on_xpath_like_text(text in expr_text()) {
        if let Err(error) = parse(&text) {
            prop_assert!(error.message.starts_with("invalid xpath `"), "{}", error.message);
            prop_assert!(error.offset.is_some_and(|at| at <= text.len()), "{:?}", error);
        }
    }
}

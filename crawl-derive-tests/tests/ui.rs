//! Compile-time behaviour of the macros: accepted forms build, each misuse fails with the
//! exact message pinned in its `.stderr` (re-bless with `TRYBUILD=overwrite`).

#[test]
fn spider_ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/spider/pass/*.rs");
    cases.compile_fail("tests/ui/spider/fail/*.rs");
}

//! Compile-time behaviour of the macros: accepted forms build, each misuse fails with the
//! exact message pinned in its `.stderr` (re-bless with `TRYBUILD=overwrite`).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    for macro_name in ["spider", "pipeline", "middleware", "on"] {
        cases.pass(format!("tests/ui/{macro_name}/pass/*.rs"));
        cases.compile_fail(format!("tests/ui/{macro_name}/fail/*.rs"));
    }
    // `crawl_core::main!`: a pass case would run the generated command line, so fail cases only.
    cases.compile_fail("tests/ui/main/fail/*.rs");
}

//! Property tests of the robots.txt glue: RFC 9309's status rules for any status and body,
//! the agent token for any `USER_AGENT`, and generated rules applied to generated paths.

use proptest::prelude::*;

use super::{agent_token, Fetched, Rules};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn statuses_decide_whatever_the_body(
        status in 100u16..600,
        body in prop::collection::vec(any::<u8>(), 0..200),
        path in "/[a-z0-9/]{0,20}",
    ) {
        let url = format!("http://h.test{path}");
        let rules = Rules::from_fetch(Fetched::Response(status, &body), "crawl");
        match status {
            200..=299 => {}
            500.. => prop_assert!(!rules.allowed(&url)),
            _ => prop_assert!(rules.allowed(&url)),
        }
        prop_assert!(!Rules::from_fetch(Fetched::Unreachable, "crawl").allowed(&url));
        prop_assert!(Rules::from_fetch(Fetched::Failed, "crawl").allowed(&url));
    }

    #[test]
    fn the_agent_token_is_one_word(agent in prop::option::of("[ -~]{0,30}"), user_agent in "[ -~]{0,40}") {
        let token = agent_token(agent.as_deref(), &user_agent);
        prop_assert!(!token.is_empty());
        prop_assert!(!token.contains('/') && !token.contains(char::is_whitespace), "{}", token);
    }

    #[test]
    fn disallowed_prefixes_are_refused_and_others_allowed(
        prefix in "/[a-z]{1,6}",
        path in "/[a-z]{0,10}",
        delay in 1u32..30,
    ) {
        let txt = format!("User-agent: crawl\nDisallow: {prefix}\nCrawl-delay: {delay}\n");
        let rules = Rules::from_fetch(Fetched::Response(200, txt.as_bytes()), "crawl");
        let url = format!("http://h.test{path}");
        prop_assert_eq!(rules.allowed(&url), !path.starts_with(&prefix), "{}", url);
        prop_assert_eq!(rules.delay(), Some(f64::from(delay)));
        let others = Rules::from_fetch(Fetched::Response(200, txt.as_bytes()), "otherbot");
        prop_assert!(others.allowed(&url));
    }
}

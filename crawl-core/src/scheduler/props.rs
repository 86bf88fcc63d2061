//! Property tests of URL canonicalization and request fingerprints: what must not change a
//! fingerprint (query order, fragment, case of scheme and host, default port, a round trip
//! through serde) and what must (path, query value, method, body).

use proptest::prelude::*;

use crate::Request;

/// Query parameters with distinct names.
fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::btree_map("[a-z]{1,6}", "[a-zA-Z0-9._~-]{0,6}", 0..6)
        .prop_map(|map| map.into_iter().collect())
}

fn url(host: &str, path: &str, params: &[(String, String)]) -> String {
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut url = format!("http://{host}/{path}");
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query.join("&"));
    }
    url
}

fn fingerprint(url: &str) -> crate::scheduler::Fingerprint {
    Request::get(url).unwrap().fingerprint()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn query_order_fragment_case_and_default_port_do_not_matter(
        host in "[a-z]{1,8}\\.test",
        path in "[a-z0-9/]{0,12}",
        params in params(),
        fragment in "[a-z0-9]{0,8}",
        seed in any::<u64>(),
    ) {
        let canonical = fingerprint(&url(&host, &path, &params));
        let mut shuffled = params.clone();
        fastrand::Rng::with_seed(seed).shuffle(&mut shuffled);
        let other = url(&host.to_uppercase(), &path, &shuffled)
            .replacen("http://", "HTTP://", 1)
            .replacen(".test/", ".test:80/", 1);
        prop_assert_eq!(fingerprint(&format!("{other}#{fragment}")), canonical);
    }

    #[test]
    fn paths_values_methods_and_bodies_tell_requests_apart(
        path in "[a-z0-9]{1,10}",
        other_path in "[a-z0-9]{1,10}",
        value in "[a-z0-9]{1,6}",
        other_value in "[a-z0-9]{1,6}",
        body in "[ -~]{0,20}",
    ) {
        let a = format!("http://h.test/{path}?q={value}");
        prop_assume!(path != other_path && value != other_value);
        prop_assert_ne!(fingerprint(&a), fingerprint(&format!("http://h.test/{other_path}?q={value}")));
        prop_assert_ne!(fingerprint(&a), fingerprint(&format!("http://h.test/{path}?q={other_value}")));
        let post = Request::post(a.as_str(), body.clone()).unwrap();
        prop_assert_ne!(post.fingerprint(), fingerprint(&a));
        let other_body = Request::post(a.as_str(), format!("{body}x")).unwrap();
        prop_assert_ne!(post.fingerprint(), other_body.fingerprint());
    }

    #[test]
    fn a_request_keeps_its_fingerprint_through_serde(
        path in "[a-z0-9/%]{0,16}",
        params in params(),
        body in "[ -~]{0,20}",
    ) {
        let request = Request::post(url("h.test", &path, &params).as_str(), body).unwrap();
        let back: Request = serde_json::from_str(&serde_json::to_string(&request).unwrap()).unwrap();
        prop_assert_eq!(back.fingerprint(), request.fingerprint());
    }

    #[test]
    fn any_text_that_parses_as_a_url_has_a_stable_fingerprint(text in "http://[ -~]{0,40}") {
        if let Ok(request) = Request::get(text.as_str()) {
            prop_assert_eq!(request.fingerprint(), request.clone().fingerprint());
            let again = Request::get(request.url.as_str()).unwrap();
            prop_assert_eq!(again.fingerprint(), request.fingerprint());
        }
    }
}

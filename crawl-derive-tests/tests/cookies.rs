//! CookiesMiddleware: cookies set are sent back unless `dont_merge_cookies`.

mod builtins;
mod common;

use builtins::*;
use crawl_core::demo_site::DemoSite;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_set_are_sent_back_unless_dont_merge_cookies() {
    let site = DemoSite::start().await.unwrap();
    let steps = json!([{"path": "/cookies/set?session=abc&theme=dark", "then": [
        {"path": "/cookies/echo"},
        {"path": "/cookies/echo?private", "meta": {"dont_merge_cookies": true}},
    ]}]);
    let run = plan(&site, steps, &["-s", "COOKIES_DEBUG=true"]).await;
    let echoed: Value =
        serde_json::from_str(by_path(&run, "/cookies/echo")["text"].as_str().unwrap()).unwrap();
    assert_eq!(echoed, json!({"session": "abc", "theme": "dark"}));
    assert_eq!(by_path(&run, "/cookies/echo?private")["text"], "{}");
    let seen = site.requests();
    let echo = seen
        .iter()
        .find(|r| r.path == "/cookies/echo" && r.query.is_none())
        .unwrap();
    let mut cookie: Vec<&str> = echo.header("cookie").unwrap().split("; ").collect();
    cookie.sort();
    assert_eq!(cookie, ["session=abc", "theme=dark"]);
    let private = seen
        .iter()
        .find(|r| r.query.as_deref() == Some("private"))
        .unwrap();
    assert_eq!(private.header("cookie"), None);
    assert_eq!(
        seen.iter()
            .find(|r| r.path == "/cookies/set")
            .unwrap()
            .header("cookie"),
        None
    );
}

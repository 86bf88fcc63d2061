//! The spider-toolkit examples (`sitemap`, `rules`, `login`, `api`), run through their own
//! command line against the demo site.

#[path = "../sitemap.rs"]
#[allow(dead_code)]
mod sitemap;

#[path = "../rules.rs"]
#[allow(dead_code)]
mod rules;

#[path = "../login.rs"]
#[allow(dead_code)]
mod login;

#[path = "../api.rs"]
#[allow(dead_code)]
mod api;

use std::collections::{BTreeMap, BTreeSet};

use crawl_core::cli::{self, CliConfig};
use crawl_core::demo_site::{data, DemoSite};
use serde_json::Value;

/// Runs `spider` from `start` with extra `-a` arguments; its items and the crawl's result.
async fn crawl(spider: &str, start: &str, args: &[&str]) -> (crawl_core::CrawlResult, Vec<Value>) {
    crawl_with(spider, start, args, &[]).await
}

/// [`crawl`] with `options` added to the command line.
async fn crawl_with(
    spider: &str,
    start: &str,
    args: &[&str],
    options: &[&str],
) -> (crawl_core::CrawlResult, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("items.jsonl");
    let mut argv = vec![
        "example".to_owned(),
        "crawl".into(),
        spider.into(),
        "-a".into(),
        format!("start_url={start}"),
        "-o".into(),
        feed.display().to_string(),
        "-L".into(),
        "ERROR".into(),
    ];
    for arg in args {
        argv.push("-a".into());
        argv.push((*arg).to_owned());
    }
    argv.extend(options.iter().map(|option| (*option).to_owned()));
    let result = cli::run(argv, CliConfig::default()).await.unwrap().unwrap();
    let items = std::fs::read_to_string(&feed)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    (result, items)
}

fn path_of(item: &Value) -> String {
    url::Url::parse(item["url"].as_str().unwrap())
        .unwrap()
        .path()
        .to_owned()
}

/// Paths and titles of `{url, title}` items, checking each page came once.
fn pages(items: &[Value]) -> BTreeMap<String, String> {
    let pages: BTreeMap<String, String> = items
        .iter()
        .map(|i| (path_of(i), i["title"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(pages.len(), items.len(), "a page came twice: {items:?}");
    pages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sitemap_from_robots_txt_yields_every_listed_page_and_fetches_nothing_else() {
    let site = DemoSite::start().await.unwrap();
    let (result, items) = crawl("sitemap", &site.url("/robots.txt"), &[]).await;
    let expected: BTreeMap<String, String> = data::sitemap_pages()
        .into_iter()
        .map(|p| (p.path, p.title))
        .collect();
    assert_eq!(pages(&items), expected);
    assert_eq!(result.finish_reason, "finished");
    for request in site.requests() {
        let sitemap = request.path == "/robots.txt"
            || request.path == data::SITEMAP_INDEX
            || request.path.starts_with("/sitemaps/");
        assert!(
            sitemap || expected.contains_key(&request.path),
            "{request:?}"
        );
    }
    // The gzip child and the nested index were read once each.
    assert_eq!(site.hits("/sitemaps/authors.xml.gz"), 1);
    assert_eq!(site.hits("/sitemaps/book.xml"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sitemap_from_a_gzip_child_yields_its_pages_only() {
    let site = DemoSite::start().await.unwrap();
    let (_, items) = crawl("sitemap", &site.url("/sitemaps/authors.xml.gz"), &[]).await;
    let expected: BTreeMap<String, String> = data::sitemap_pages()
        .into_iter()
        .filter(|p| p.sitemap == "/sitemaps/authors.xml.gz")
        .map(|p| (p.path, p.title))
        .collect();
    assert_eq!(expected.len(), data::AUTHOR_COUNT);
    assert_eq!(pages(&items), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sitemap_counts_a_malformed_sitemap_and_keeps_what_it_listed() {
    let site = DemoSite::start().await.unwrap();
    let (result, items) = crawl("sitemap", &site.url(data::BROKEN_SITEMAP), &[]).await;
    assert_eq!(
        pages(&items).keys().collect::<Vec<_>>(),
        [data::BROKEN_SITEMAP_PAGE]
    );
    assert_eq!(result.stats["sitemap/malformed_count"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_follow_allowed_links_within_the_host_and_not_denied_ones() {
    let site = DemoSite::start().await.unwrap();
    let (_, items) = crawl(
        "rules",
        &site.url("/"),
        &[r"allow=127\.0\.0\.1:\d+/page/", "deny=/page/7/"],
    )
    .await;
    let reached: Vec<String> = pages(&items).into_keys().collect();
    let expected: Vec<String> = (1..=6).map(|n| format!("/page/{n}/")).collect();
    assert_eq!(reached, expected);
    assert_eq!(site.hits("/page/7/"), 0);
    assert!(items.iter().all(|i| i["title"] == "Quotes to Scrape"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_without_patterns_reach_every_page_linked_within_the_host() {
    let site = DemoSite::start().await.unwrap();
    let (_, items) = crawl("rules", &site.url("/"), &[]).await;
    let mut expected: BTreeSet<String> = (1..=data::PAGES).map(|n| format!("/page/{n}/")).collect();
    expected.extend(
        data::authors()
            .iter()
            .map(|a| format!("/author/{}/", a.slug)),
    );
    for tag in data::TAGS {
        expected.extend((1..=data::tag_pages(tag)).map(|n| format!("/tag/{tag}/page/{n}/")));
    }
    let reached: BTreeSet<String> = pages(&items).into_keys().collect();
    assert_eq!(reached, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_submits_the_form_and_scrapes_the_members_page() {
    let site = DemoSite::start().await.unwrap();
    let (result, items) = crawl("login", &site.url("/login"), &[]).await;
    let notes: Vec<&str> = items.iter().map(|i| i["note"].as_str().unwrap()).collect();
    assert_eq!(notes, data::MEMBER_NOTES);
    assert!(items.iter().all(|i| i["user"] == data::LOGIN_USERNAME));
    assert_eq!(result.finish_reason, "finished");
    let posts: Vec<_> = site
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].path, "/login");
    assert!(posts[0].header("cookie").unwrap().contains("csrftoken="));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_with_a_wrong_password_scrapes_nothing_and_says_so() {
    let site = DemoSite::start().await.unwrap();
    let (result, items) = crawl("login", &site.url("/login"), &["password=wrong"]).await;
    assert!(items.is_empty());
    assert_eq!(site.hits("/members/"), 0);
    assert_eq!(result.stats["spider_exceptions/Error"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_pages_through_every_quote_once() {
    let site = DemoSite::start().await.unwrap();
    let (result, items) = crawl("api", &site.url("/api/quotes?page=1"), &[]).await;
    let texts: Vec<&str> = items.iter().map(|i| i["text"].as_str().unwrap()).collect();
    let expected: Vec<&str> = data::quotes().iter().map(|q| q.text.as_str()).collect();
    assert_eq!(texts, expected);
    let first = &data::quotes()[0];
    assert_eq!(items[0]["author"], first.author);
    assert_eq!(items[0]["tags"], serde_json::json!(first.tags));
    assert_eq!(items.last().unwrap()["page"], data::PAGES);
    // Each page's number came with its request, as the `page` callback's typed argument: a
    // wrong one would be an error (and no items for that page).
    let pages: BTreeSet<u64> = items.iter().map(|i| i["page"].as_u64().unwrap()).collect();
    assert_eq!(pages, (1..=data::PAGES as u64).collect());
    assert_eq!(site.hits("/api/quotes"), data::PAGES);
    assert_eq!(result.stats["item_scraped_count"], data::QUOTES);
    assert!(!result.stats.contains_key("spider_exceptions/CallbackArgs"));
    assert!(!result.stats.contains_key("spider_exceptions/Error"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_pages_through_a_job_dir_with_their_typed_arguments() {
    let site = DemoSite::start().await.unwrap();
    let job = tempfile::tempdir().unwrap();
    let job_dir = job.path().join("job");
    let (result, items) = crawl_with(
        "api",
        &site.url("/api/quotes?page=1"),
        &[],
        &["--job-dir", job_dir.to_str().unwrap()],
    )
    .await;
    let pages: BTreeSet<u64> = items.iter().map(|i| i["page"].as_u64().unwrap()).collect();
    assert_eq!(pages, (1..=data::PAGES as u64).collect());
    assert_eq!(result.stats["item_scraped_count"], data::QUOTES);
    assert!(!result.stats.contains_key("spider_exceptions/CallbackArgs"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_with_an_invalid_pattern_close_the_spider_and_say_why() {
    let site = DemoSite::start().await.unwrap();
    let (result, items) = crawl("rules", &site.url("/"), &["allow=/page/(\\d+"]).await;
    assert!(items.is_empty());
    assert_eq!(result.finish_reason, "invalid_arguments");
    assert_eq!(site.hits("/page/2/"), 0);
}

//! The toolkit's pages: login with CSRF, the JSON API, sitemaps, failing pages; and
//! `FormRequest::from_response` submitting the real login form.

use std::collections::HashSet;
use std::io::Read;

use super::data;
use super::DemoSite;
use crate::{FormRequest, Request, Response};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// `Set-Cookie` values as one `Cookie` header value.
fn cookies(resp: &reqwest::Response) -> String {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Fetches `url` into a crawl [`Response`], as the downloader would build it.
async fn fetch(url: &str, cookie: &str) -> (Response, String) {
    let resp = client()
        .get(url)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let set = cookies(&resp);
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.unwrap();
    let request = Request::get(url).unwrap();
    let response = Response::new(request, url.parse().unwrap(), status, headers, body);
    (response, set)
}

/// Sends a crawl request with reqwest.
async fn send(request: &Request, cookie: &str) -> reqwest::Response {
    client()
        .request(request.method.clone(), request.url.as_str())
        .headers(request.headers.clone())
        .header("cookie", cookie)
        .body(request.body.clone())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn from_response_logs_in_through_the_csrf_form() {
    let site = DemoSite::start().await.unwrap();
    let (page, cookie) = fetch(&site.url("/login"), "").await;
    assert!(cookie.starts_with("csrftoken=csrf-"), "{cookie}");
    let login = FormRequest::from_response(&page)
        .formdata([
            ("username", data::LOGIN_USERNAME),
            ("password", data::LOGIN_PASSWORD),
        ])
        .build()
        .unwrap();
    assert_eq!(login.url.as_str(), site.url("/login"));
    let body = std::str::from_utf8(&login.body).unwrap();
    assert!(body.starts_with("csrf_token=csrf-"), "{body}");
    assert!(
        body.ends_with("&remember=yes&action=Login&username=admin&password=s3cret"),
        "{body}"
    );
    let resp = send(&login, &cookie).await;
    assert_eq!(resp.status(), 302);
    assert_eq!(resp.headers()["location"], "/members/");
    let session = cookies(&resp);
    assert!(session.starts_with("session="), "{session}");
    let (members, _) = fetch(&site.url("/members/"), &session).await;
    assert_eq!(members.status, 200);
    assert_eq!(members.css("li.note::text").getall(), data::MEMBER_NOTES);
}

#[tokio::test]
async fn login_refuses_bad_tokens_and_passwords_and_members_needs_a_session() {
    let site = DemoSite::start().await.unwrap();
    let (page, cookie) = fetch(&site.url("/login"), "").await;
    let form = || FormRequest::from_response(&page).formid("login");
    // No cookie, or a token the site never issued: 403.
    let good = form()
        .formdata([("username", "admin"), ("password", data::LOGIN_PASSWORD)])
        .build()
        .unwrap();
    assert_eq!(send(&good, "").await.status(), 403);
    let forged = form().formdata([("csrf_token", "csrf-0")]).build().unwrap();
    assert_eq!(send(&forged, "csrftoken=csrf-0").await.status(), 403);
    // A wrong password: the form again, with an error.
    let wrong = form()
        .formdata([("username", "admin"), ("password", "nope")])
        .build()
        .unwrap();
    let resp = send(&wrong, &cookie).await;
    assert_eq!(resp.status(), 200);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("Invalid username or password."));
    // Without a session, the member page sends to the login page.
    let (members, _) = fetch(&site.url("/members/"), "session=forged").await;
    assert_eq!(members.status, 302);
    assert_eq!(members.headers["location"], "/login");
}

#[tokio::test]
async fn the_json_api_pages_through_every_quote() {
    let site = DemoSite::start().await.unwrap();
    let mut texts = Vec::new();
    for n in 1..=data::PAGES {
        let (page, _) = fetch(&site.url(&format!("/api/quotes?page={n}")), "").await;
        let value: serde_json::Value = page.json().unwrap();
        assert_eq!(value["page"], n);
        assert_eq!(value["has_next"], n < data::PAGES);
        for quote in value["quotes"].as_array().unwrap() {
            texts.push(quote["text"].as_str().unwrap().to_owned());
        }
    }
    let expected: Vec<String> = data::quotes().iter().map(|q| q.text.clone()).collect();
    assert_eq!(texts, expected);
    for bad in [
        "/api/quotes?page=0",
        "/api/quotes?page=11",
        "/api/quotes?page=x",
    ] {
        let (page, _) = fetch(&site.url(bad), "").await;
        assert_eq!(page.status, 404, "{bad}");
        let value: serde_json::Value = page.json().unwrap();
        assert_eq!(value["error"], "no such page");
    }
    let (first, _) = fetch(&site.url("/api/quotes"), "").await;
    assert_eq!(first.json::<serde_json::Value>().unwrap()["page"], 1);
    let error = first.json::<Vec<u8>>().unwrap_err().to_string();
    assert!(
        error.starts_with("invalid JSON for `http://127.0.0.1:"),
        "{error}"
    );
}

#[tokio::test]
async fn sitemaps_list_every_page_once_across_an_index_a_gzip_child_and_a_nested_index() {
    let site = DemoSite::start().await.unwrap();
    let (robots, _) = fetch(&site.url("/robots.txt"), "").await;
    assert!(robots
        .text()
        .contains(&format!("Sitemap: {}", site.url("/sitemap.xml"))));
    let locs = |xml: &str| -> Vec<String> {
        xml.split("<loc>")
            .skip(1)
            .map(|rest| rest.split("</loc>").next().unwrap().to_owned())
            .collect()
    };
    let mut pending = vec![site.url(data::SITEMAP_INDEX)];
    let mut pages = Vec::new();
    let mut fetched = 0;
    while let Some(url) = pending.pop() {
        fetched += 1;
        assert!(fetched < 10, "sitemaps nest deeper than expected");
        let (resp, _) = fetch(&url, "").await;
        assert_eq!(resp.status, 200, "{url}");
        let xml = if url.ends_with(".gz") {
            assert_eq!(resp.headers["content-type"], "application/x-gzip");
            let mut text = String::new();
            flate2::read::GzDecoder::new(&resp.body[..])
                .read_to_string(&mut text)
                .unwrap();
            text
        } else {
            resp.text().to_owned()
        };
        if xml.contains("<sitemapindex") {
            pending.extend(locs(&xml));
        } else {
            pages.extend(locs(&xml));
        }
    }
    assert_eq!(fetched, 5);
    let expected: Vec<String> = data::sitemap_pages()
        .iter()
        .map(|p| site.url(&p.path))
        .collect();
    let unique: HashSet<&String> = pages.iter().collect();
    assert_eq!(unique.len(), pages.len());
    assert_eq!(unique, expected.iter().collect());
    for page in data::sitemap_pages().iter().take(3) {
        let (resp, _) = fetch(&site.url(&page.path), "").await;
        assert_eq!(resp.css("title::text").get().unwrap(), page.title);
    }
    let (broken, _) = fetch(&site.url(data::BROKEN_SITEMAP), "").await;
    assert!(broken.text().contains(data::BROKEN_SITEMAP_PAGE));
}

#[tokio::test]
async fn failing_pages_fail_at_once() {
    let site = DemoSite::start().await.unwrap();
    let (index, _) = fetch(&site.url("/fail/"), "").await;
    assert_eq!(index.css("a::attr(href)").getall(), data::FAILING_LINKS);
    let statuses = [404, 500];
    for (link, status) in data::FAILING_LINKS.iter().zip(statuses) {
        let (resp, _) = fetch(&site.url(link), "").await;
        assert_eq!(resp.status, status);
    }
    // The connection closes before the response is whole: the headers or the body fail.
    let result = async {
        let resp = client().get(site.url("/fail/truncated")).send().await?;
        resp.bytes().await
    };
    assert!(result.await.is_err(), "the response must break off");
}

#[tokio::test]
async fn json_requests_and_follow_all_reach_the_server_as_built() {
    let site = DemoSite::start().await.unwrap();
    let request = crate::JsonRequest::post(
        site.url("/echo"),
        &serde_json::json!({"q": "life", "page": 2}),
    )
    .unwrap();
    let resp = send(&request, "").await;
    let url = site.url("/echo");
    let echoed = Response::new(
        request.clone(),
        url.parse().unwrap(),
        resp.status(),
        resp.headers().clone(),
        resp.bytes().await.unwrap(),
    );
    let echoed: serde_json::Value = echoed.json().unwrap();
    assert_eq!(echoed["method"], "POST");
    assert_eq!(echoed["body"], r#"{"q":"life","page":2}"#);
    assert_eq!(echoed["headers"]["content-type"], "application/json");
    assert!(echoed["headers"]["accept"]
        .as_str()
        .unwrap()
        .starts_with("application/json"));

    let (page, _) = fetch(&site.url("/page/2/"), "").await;
    let requests: Vec<Request> = page
        .follow_all(page.css("ul.pager a"), crate::Callback::PARSE)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    let paths: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
    assert_eq!(paths, ["/page/1/", "/page/3/"]);
    for request in &requests {
        assert_eq!(send(request, "").await.status(), 200);
    }
}

use super::*;

fn page(url: &str, html: &str) -> Response {
    Response::new(
        Request::get(url).unwrap(),
        url.parse().unwrap(),
        http::StatusCode::OK,
        Default::default(),
        html.to_owned().into(),
    )
}

fn body(request: &Request) -> &str {
    std::str::from_utf8(&request.body).unwrap()
}

const FORMS: &str = r#"<html><head><base href="/app/"></head><body>
    <form name="search" id="s" action="find?old=1">
        <input name="q" value="default"><input type="submit" name="go" value="Search">
    </form>
    <form id="login" method="POST" action="login#top">
        <div class="inner"><input type="hidden" name="csrf" value="tok"></div>
        <input name="user"><input type="submit" name="act" value="in"><input type="submit" name="act" value="out">
    </form>
    <form method="post"><input name="third" value="3"></form>
</body></html>"#;

#[test]
fn the_first_form_is_sent_by_get_to_its_action_resolved_against_base() {
    let response = page("http://h/dir/page?x=1", FORMS);
    let request = FormRequest::from_response(&response).build().unwrap();
    assert_eq!(request.method, Method::GET);
    assert_eq!(
        request.url.as_str(),
        "http://h/app/find?q=default&go=Search"
    );
    assert!(request.body.is_empty());
}

#[test]
fn formname_formid_formcss_and_formnumber_pick_the_form() {
    let response = page("http://h/", FORMS);
    let build = |b: FormFromResponse<'_>| b.build().unwrap().url.path().to_owned();
    assert_eq!(
        build(FormRequest::from_response(&response).formid("login")),
        "/app/login"
    );
    assert_eq!(
        build(FormRequest::from_response(&response).formname("search")),
        "/app/find"
    );
    // A missing name or id falls through to the next choice, as in Scrapy.
    let by_number = FormRequest::from_response(&response)
        .formname("missing")
        .formnumber(2);
    assert_eq!(build(by_number), "/");
    let by_css = FormRequest::from_response(&response).formcss("div.inner input");
    assert_eq!(build(by_css), "/app/login");
    let error = FormRequest::from_response(&response)
        .formcss("table")
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("no <form> element found with formcss `table`"),
        "{error}"
    );
    let error = FormRequest::from_response(&response)
        .formnumber(3)
        .build()
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "form number 3 not found in <200 http://h/> (3 forms)"
    );
    let error = FormRequest::from_response(&response)
        .formcss("[")
        .build()
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("invalid formcss `[`"), "{error}");
    let error = FormRequest::from_response(&response)
        .formcss("form::text")
        .build()
        .unwrap_err()
        .to_string();
    assert!(error.contains("without `::text`"), "{error}");
}

#[test]
fn formxpath_picks_the_form_around_the_first_node_it_selects() {
    let response = page("http://h/", FORMS);
    // A node inside the form picks the form around it, as in Scrapy.
    let request = FormRequest::from_response(&response)
        .formxpath("//div[@class='inner']/input")
        .build()
        .unwrap();
    assert_eq!(request.url.as_str(), "http://h/app/login#top");
    assert!(body(&request).contains("csrf=tok"), "{}", body(&request));

    let error = FormRequest::from_response(&response)
        .formxpath("//table")
        .build()
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("no <form> element found with formxpath `//table`"),
        "{error}"
    );
    let error = FormRequest::from_response(&response)
        .formxpath("//form[")
        .build()
        .unwrap_err();
    assert!(
        error.to_string().starts_with("invalid formxpath"),
        "{error}"
    );
    assert_eq!(error.kind(), "Form");
}

#[test]
fn a_post_form_keeps_hidden_fields_overrides_others_and_clicks_as_asked() {
    let response = page("http://h/", FORMS);
    let request = FormRequest::from_response(&response)
        .formid("login")
        .formdata([("user", "ada lovelace")])
        .clickdata(None, [("value", "out")])
        .build()
        .unwrap();
    assert_eq!(request.method, Method::POST);
    assert_eq!(request.url.as_str(), "http://h/app/login#top");
    assert_eq!(body(&request), "csrf=tok&act=out&user=ada+lovelace");
    assert_eq!(
        request.headers["content-type"],
        "application/x-www-form-urlencoded"
    );

    let request = FormRequest::from_response(&response)
        .formid("login")
        .drop_field("csrf")
        .formdata([("act", "mine")])
        .build()
        .unwrap();
    assert_eq!(body(&request), "user=&act=mine");

    let request = FormRequest::from_response(&response)
        .formid("login")
        .dont_click()
        .method(Method::GET)
        .build()
        .unwrap();
    assert_eq!(
        request.url.as_str(),
        "http://h/app/login?csrf=tok&user=#top"
    );
}

#[test]
fn a_page_without_forms_is_an_error_naming_it() {
    let response = page("http://h/none", "<p>no form</p>");
    let error = FormRequest::from_response(&response).build().unwrap_err();
    assert_eq!(
        error.to_string(),
        "no <form> element found in <200 http://h/none>"
    );
}

#[test]
fn a_form_without_action_posts_to_the_page_and_get_replaces_its_query() {
    let response = page("http://h/p?old=1", "<form><input name=a value=1></form>");
    let request = FormRequest::from_response(&response).build().unwrap();
    assert_eq!(request.url.as_str(), "http://h/p?a=1");
    let request = FormRequest::get("http://h/p?old=1", [("k", "a&b")]).unwrap();
    assert_eq!(request.url.as_str(), "http://h/p?k=a%26b");
    let empty: [(&str, &str); 0] = [];
    let request = FormRequest::get("http://h/p?old=1", empty).unwrap();
    assert_eq!(request.url.as_str(), "http://h/p");
}

#[test]
fn the_callback_is_carried() {
    let response = page("http://h/", FORMS);
    let request = FormRequest::from_response(&response)
        .with_callback(Callback::from_static("after_login"))
        .build()
        .unwrap();
    assert_eq!(request.callback.name(), "after_login");
}

//! `FormRequest`: form submissions, built from data or from a form in a response (Scrapy's
//! `FormRequest` and `FormRequest.from_response`).

use http::Method;
use scraper::{ElementRef, Html, Selector};
use url::form_urlencoded;
use url::Url;

use super::form_fields::{self, ClickData, Field};
use super::{Callback, IntoUrl, Request};
use crate::Response;

/// Builds form submissions (Scrapy's `FormRequest`).
///
/// From data: [`FormRequest::post`] sends the fields URL-encoded in the body,
/// [`FormRequest::get`] in the query string. From a page: [`FormRequest::from_response`]
/// fills in the fields a browser would send (hidden inputs such as CSRF tokens, default
/// values, checked boxes, selected options, the first submit button), lets you override
/// some, and submits to the form's `action` with its `method`.
///
/// ```
/// use crawl_core::{FormRequest, Request, Response};
///
/// let request = FormRequest::post("http://127.0.0.1:8000/login", [("user", "ada"), ("pass", "x y")]).unwrap();
/// assert_eq!(&request.body[..], b"user=ada&pass=x+y");
/// assert_eq!(request.headers["content-type"], "application/x-www-form-urlencoded");
///
/// let page = Response::new(
///     Request::get("http://127.0.0.1:8000/login").unwrap(),
///     "http://127.0.0.1:8000/login".parse().unwrap(),
///     http::StatusCode::OK,
///     Default::default(),
///     r#"<form action="/login" method="post">
///          <input type="hidden" name="csrf_token" value="abc">
///          <input name="username"><input type="password" name="password">
///          <input type="submit" name="go" value="Login">
///        </form>"#.into(),
/// );
/// let request = FormRequest::from_response(&page)
///     .formdata([("username", "ada"), ("password", "secret")])
///     .build()
///     .unwrap();
/// assert_eq!(request.method, http::Method::POST);
/// assert_eq!(&request.body[..], b"csrf_token=abc&go=Login&username=ada&password=secret");
/// ```
#[derive(Debug)]
pub struct FormRequest;

impl FormRequest {
    /// A POST request sending `formdata` URL-encoded in its body.
    pub fn post<K: AsRef<str>, V: AsRef<str>>(
        url: impl IntoUrl,
        formdata: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Request, crate::Error> {
        Ok(encode(Request::get(url)?, Method::POST, &pairs(formdata)))
    }

    /// A GET request sending `formdata` as its query string (replacing any query).
    pub fn get<K: AsRef<str>, V: AsRef<str>>(
        url: impl IntoUrl,
        formdata: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Request, crate::Error> {
        Ok(encode(Request::get(url)?, Method::GET, &pairs(formdata)))
    }

    /// A submission of a form found in `response`: the first form, unless
    /// [`formname`](FormFromResponse::formname), [`formid`](FormFromResponse::formid),
    /// [`formcss`](FormFromResponse::formcss) or [`formnumber`](FormFromResponse::formnumber) picks
    /// another. Finish with [`build`](FormFromResponse::build).
    pub fn from_response(response: &Response) -> FormFromResponse<'_> {
        FormFromResponse {
            response,
            formname: None,
            formid: None,
            formcss: None,
            formxpath: None,
            formnumber: 0,
            formdata: Vec::new(),
            dropped: Vec::new(),
            clickdata: None,
            dont_click: false,
            method: None,
            callback: Callback::PARSE,
        }
    }
}

fn pairs<K: AsRef<str>, V: AsRef<str>>(data: impl IntoIterator<Item = (K, V)>) -> Vec<Field> {
    data.into_iter()
        .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
        .collect()
}

/// `request` with `fields` in its body (POST) or its query string (any other method).
fn encode(mut request: Request, method: Method, fields: &[Field]) -> Request {
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    if method == Method::POST {
        request.body = encoded.into();
        request.method = method;
        return request.with_header("content-type", "application/x-www-form-urlencoded");
    }
    request
        .url
        .set_query((!encoded.is_empty()).then_some(encoded.as_str()));
    request.method = method;
    request
}

/// A form submission being built from a response; see [`FormRequest::from_response`].
#[derive(Debug)]
#[must_use = "call `.build()` to get the request"]
pub struct FormFromResponse<'a> {
    response: &'a Response,
    formname: Option<String>,
    formid: Option<String>,
    formcss: Option<String>,
    formxpath: Option<String>,
    formnumber: usize,
    formdata: Vec<Field>,
    dropped: Vec<String>,
    clickdata: Option<ClickData>,
    dont_click: bool,
    method: Option<Method>,
    callback: Callback,
}

impl FormFromResponse<'_> {
    /// Submits the form whose `name` attribute is `name`, if there is one.
    pub fn formname(mut self, name: &str) -> Self {
        self.formname = Some(name.to_owned());
        self
    }

    /// Submits the form whose `id` attribute is `id`, if there is one.
    pub fn formid(mut self, id: &str) -> Self {
        self.formid = Some(id.to_owned());
        self
    }

    /// Submits the form that is, or contains, the first element `css` matches; no match is
    /// an error.
    pub fn formcss(mut self, css: &str) -> Self {
        self.formcss = Some(css.to_owned());
        self
    }

    /// Submits the form an XPath 1.0 expression picks: the first node it selects, or the
    /// nearest form around it (Scrapy's `formxpath`). `formcss`, when given too, wins.
    pub fn formxpath(mut self, xpath: &str) -> Self {
        self.formxpath = Some(xpath.to_owned());
        self
    }

    /// Submits the `n`th form (from 0) when no other choice matched.
    pub fn formnumber(mut self, n: usize) -> Self {
        self.formnumber = n;
        self
    }

    /// Sets fields: each replaces the form's fields of that name, in the order given.
    pub fn formdata<K: AsRef<str>, V: AsRef<str>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.formdata.extend(pairs(data));
        self
    }

    /// Sends no field named `name` (Scrapy's `formdata={name: None}`).
    pub fn drop_field(mut self, name: &str) -> Self {
        self.dropped.push(name.to_owned());
        self
    }

    /// Clicks the submit control at position `nr` among the form's submit controls that has
    /// every attribute in `attrs` (either may be empty), not the first one.
    pub fn clickdata<K: AsRef<str>, V: AsRef<str>>(
        mut self,
        nr: Option<usize>,
        attrs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.clickdata = Some(ClickData {
            nr,
            attrs: pairs(attrs),
        });
        self
    }

    /// Sends no submit control's name and value.
    pub fn dont_click(mut self) -> Self {
        self.dont_click = true;
        self
    }

    /// Submits with `method` instead of the form's.
    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    /// The callback that receives the response to the submission.
    pub fn with_callback(mut self, callback: Callback) -> Self {
        self.callback = callback;
        self
    }

    /// The request: to the form's `action` (resolved against `<base href>` and the page's
    /// URL; the page itself without one), with its method (GET unless it says POST).
    ///
    /// Fails if the page has no form, the chosen one is missing, or `clickdata` matches no
    /// submit control or several.
    pub fn build(self) -> Result<Request, crate::Error> {
        let document = self.response.document();
        let by_xpath = match &self.formxpath {
            Some(xpath) => {
                let found = document.try_xpath(xpath).map_err(|error| {
                    crate::Error::Form(format!("invalid formxpath `{xpath}`: {error}"))
                })?;
                Some(found.iter().find_map(|selection| selection.node_id()))
            }
            None => None,
        };
        document.with_html(|html| self.build_in(html, by_xpath))
    }

    /// [`FormFromResponse::build`] on the page's tree; `by_xpath` is the first node the
    /// `formxpath` selected (`Some(None)`: none).
    fn build_in(
        &self,
        html: &Html,
        by_xpath: Option<Option<ego_tree::NodeId>>,
    ) -> Result<Request, crate::Error> {
        let form = self.pick(html, by_xpath)?;
        let base = base_url(html, &self.response.url);
        let url = match form.attr("action") {
            Some(action) => {
                base.join(action.trim())
                    .map_err(|source| crate::Error::InvalidUrl {
                        url: action.to_owned(),
                        source,
                    })?
            }
            None => self.response.url.clone(),
        };
        let method = self.method.clone().unwrap_or_else(|| {
            match form.attr("method").map(|m| m.trim().to_ascii_uppercase()) {
                Some(m) if m == "POST" => Method::POST,
                _ => Method::GET,
            }
        });
        let fields = self.fields(&form)?;
        let request = Request::new(url).with_callback(self.callback.clone());
        Ok(encode(request, method, &fields))
    }

    fn overridden(&self, name: &str) -> bool {
        self.formdata.iter().any(|(k, _)| k == name) || self.dropped.iter().any(|k| k == name)
    }

    fn fields(&self, form: &ElementRef<'_>) -> Result<Vec<Field>, crate::Error> {
        let mut fields: Vec<Field> = form_fields::fields(form)
            .into_iter()
            .filter(|(name, _)| !self.overridden(name))
            .collect();
        if !self.dont_click {
            if let Some(click) = form_fields::clicked(form, self.clickdata.as_ref())? {
                if !self.overridden(&click.0) {
                    fields.push(click);
                }
            }
        }
        fields.extend(
            self.formdata
                .iter()
                .filter(|(k, _)| !self.dropped.contains(k))
                .cloned(),
        );
        Ok(fields)
    }

    /// Scrapy's choice: by name, else by id (either falls through when missing), else by
    /// CSS (which must match; it wins over an XPath), else by number.
    fn pick<'h>(
        &self,
        html: &'h Html,
        by_xpath: Option<Option<ego_tree::NodeId>>,
    ) -> Result<ElementRef<'h>, crate::Error> {
        let all_forms = Selector::parse("form").map_err(|e| crate::Error::Form(e.to_string()))?;
        let forms: Vec<ElementRef<'h>> = html.select(&all_forms).collect();
        if forms.is_empty() {
            return Err(crate::Error::Form(format!(
                "no <form> element found in {:?}",
                self.response
            )));
        }
        let by_attr = |attr: &str, value: &Option<String>| {
            value.as_ref().and_then(|value| {
                forms
                    .iter()
                    .find(|f| f.attr(attr) == Some(value.as_str()))
                    .copied()
            })
        };
        if let Some(form) = by_attr("name", &self.formname).or_else(|| by_attr("id", &self.formid))
        {
            return Ok(form);
        }
        if let Some(css) = &self.formcss {
            let found = html.select(&formcss_selector(css)?).next();
            return found.and_then(enclosing_form).ok_or_else(|| {
                crate::Error::Form(format!(
                    "no <form> element found with formcss `{css}` in {:?}",
                    self.response
                ))
            });
        }
        if let (Some(xpath), Some(node)) = (&self.formxpath, by_xpath) {
            let found = node
                .and_then(|id| html.tree.get(id))
                .and_then(ElementRef::wrap);
            return found.and_then(enclosing_form).ok_or_else(|| {
                crate::Error::Form(format!(
                    "no <form> element found with formxpath `{xpath}` in {:?}",
                    self.response
                ))
            });
        }
        forms.get(self.formnumber).copied().ok_or_else(|| {
            crate::Error::Form(format!(
                "form number {} not found in {:?} ({} forms)",
                self.formnumber,
                self.response,
                forms.len()
            ))
        })
    }
}

/// `element` if it is a form, else its nearest enclosing form.
fn enclosing_form(element: ElementRef<'_>) -> Option<ElementRef<'_>> {
    std::iter::once(element)
        .chain(element.ancestors().filter_map(ElementRef::wrap))
        .find(|e| e.value().name() == "form")
}

/// `css` parsed with crawl's selector grammar (the one literal queries are checked with
/// while compiling); it must be plain CSS, without `::text` or `::attr()`.
fn formcss_selector(css: &str) -> Result<Selector, crate::Error> {
    let parsed = crate::selector::parse_query(css)
        .map_err(|error| crate::Error::Form(format!("invalid formcss `{css}`: {error}")))?;
    match (parsed.pseudo, parsed.selector) {
        (crate::selector::PseudoElement::None, Some(selector)) => Ok(selector),
        _ => Err(crate::Error::Form(format!(
            "invalid formcss `{css}`: it must select elements, without `::text` or `::attr()`"
        ))),
    }
}

/// The document's `<base href>` resolved against `url`, else `url`.
fn base_url(html: &Html, url: &Url) -> Url {
    let Ok(base) = Selector::parse("base[href]") else {
        return url.clone();
    };
    html.select(&base)
        .next()
        .and_then(|b| b.attr("href"))
        .and_then(|href| url.join(href.trim()).ok())
        .unwrap_or_else(|| url.clone())
}

#[cfg(test)]
mod tests;

//! Logs in through a form and scrapes a page only a logged-in user sees: the login page's
//! form is filled by `FormRequest::from_response` (its hidden CSRF token and other defaults
//! kept, the user name and password set), the session cookie is kept by the cookies
//! middleware, and the members page yields one item per note.
//!
//! ```sh
//! cargo run --release --example login -- -o notes.jsonl
//! cargo run --release --example login -- -a start_url=URL -a username=NAME -a password=PW -o notes.jsonl
//! ```
//! `URL` is a login page whose form has `username` and `password` fields and which, on
//! success, redirects to the members page; `li.note` elements there become items. Without
//! `-a start_url=` it logs into the embedded demo site (user `admin`, password `s3cret`).

use crawl_core::demo_site::data::{LOGIN_PASSWORD, LOGIN_USERNAME};
use crawl_core::prelude::*;

/// A note from the members-only page.
#[derive(Debug, Serialize)]
pub struct Note {
    /// The user the page was shown to.
    pub user: String,
    /// The note's text.
    pub note: String,
}

/// Logs in, then scrapes the members page.
#[derive(Default)]
pub struct Login;

#[spider(name = "login", args = ["username", "password"])]
impl Login {
    /// The login page: submits its form with the credentials.
    async fn parse(&self, response: Response, crawler: &Crawler) -> Result<Request> {
        let args = crawler.args();
        let username = args.get("username").unwrap_or(LOGIN_USERNAME);
        let password = args.get("password").unwrap_or(LOGIN_PASSWORD);
        Ok(FormRequest::from_response(&response)
            .formcss("input[type=password]")
            .formdata([("username", username), ("password", password)])
            .with_callback(Self::after_login)
            .build()?)
    }

    /// Where the login leads: the members page, or the form again with an error.
    async fn after_login(&self, response: Response) -> Result<Vec<Note>> {
        if let Some(error) = response.css(".error::text").get() {
            return Err(BoxError::msg(format!(
                "login failed at {}: {error}",
                response.url
            )));
        }
        let user = response
            .css("p.user::text")
            .get()
            .unwrap_or_default()
            .trim_start_matches("Logged in as ")
            .to_owned();
        Ok(response
            .css("li.note::text")
            .getall()
            .into_iter()
            .map(|note| Note {
                user: user.clone(),
                note,
            })
            .collect())
    }
}

crawl_core::main!(demo_site = "/login");

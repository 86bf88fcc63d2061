//! MetaRefreshMiddleware: follows `<meta http-equiv="refresh" content="N; url=URL">` in
//! HTML responses when `N <= METAREFRESH_MAXDELAY` (`METAREFRESH_ENABLED`).
//!
//! As Scrapy, a refresh counts only when it appears within the first 4096 characters of
//! the page, the next hop is a GET, and it shares the redirect limits and meta of the RedirectMiddleware
//! (`REDIRECT_MAX_TIMES`, `dont_redirect`, `redirect_times`, `redirect_urls`, and
//! `redirect_reasons` holding `"meta refresh"`).

use std::sync::{Arc, LazyLock};

use http::header::CONTENT_TYPE;
use http::Method;
use regex::Regex;

use super::redirect::util::{dont_redirect, redirect, Limits};
use crate::hook::Hook;
use crate::middleware::{
    DownloaderHooks, DownloaderMiddleware, DownloaderMiddlewareEntry, ResponseOutcome,
};
use crate::{BoxError, Crawler, Response};

/// How much of a page is searched for the refresh (Scrapy's).
const SEARCHED_CHARS: usize = 4096;

pub(super) const ENTRY: DownloaderMiddlewareEntry = DownloaderMiddlewareEntry {
    name: "MetaRefreshMiddleware",
    order: 580,
    create: |settings| {
        let enabled = settings.metarefresh_enabled;
        enabled.then(|| {
            Arc::new(MetaRefresh {
                limits: Limits::new(settings),
                max_delay: settings.metarefresh_maxdelay,
            }) as Arc<dyn DownloaderMiddleware>
        })
    },
};

struct MetaRefresh {
    limits: Limits,
    max_delay: f64,
}

/// Whether `response` is an HTML page (by its `Content-Type`, else by its first bytes).
fn is_html(response: &Response) -> bool {
    match response
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        Some(kind) => kind
            .as_bytes()
            .windows(4)
            .any(|w| w.eq_ignore_ascii_case(b"html")),
        None => {
            let start = &response.body[..response.body.len().min(512)];
            let start = String::from_utf8_lossy(start).to_ascii_lowercase();
            start.contains("<html") || start.contains("<!doctype html")
        }
    }
}

/// The delay and URL of a refresh `content` attribute: `5; url=/next` (also `5;URL='/next'`
/// or `5, /next`); `None` without a URL.
fn parse_content(content: &str) -> Option<(f64, String)> {
    static CONTENT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?is)^\s*(\d*\.?\d+)\s*[;,]\s*(?:url\s*=\s*)?(.*?)\s*$"#)
            .expect("a valid regex")
    });
    let captures = CONTENT.captures(content)?;
    let delay = captures[1].parse().ok()?;
    let url = captures[2].trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
    (!url.is_empty()).then(|| (delay, url.to_owned()))
}

/// Where the first [`SEARCHED_CHARS`] characters of `text` end: counts the bytes that start
/// a character in whole windows (which vectorizes), rather than walking the characters.
fn searched_end(text: &str) -> usize {
    let bytes = text.as_bytes();
    let starts = |window: &[u8]| window.iter().filter(|b| (**b as i8) >= -64).count();
    let mut end = SEARCHED_CHARS.min(bytes.len());
    let mut chars = starts(&bytes[..end]);
    while chars < SEARCHED_CHARS && end < bytes.len() {
        let next = (end + SEARCHED_CHARS - chars).min(bytes.len());
        chars += starts(&bytes[end..next]);
        end = next;
    }
    // The last character counted may go on past `end`.
    while bytes.get(end).is_some_and(|b| (*b as i8) < -64) {
        end += 1;
    }
    end
}

/// The delay and URL of the page's first meta refresh, if any.
fn meta_refresh(response: &Response) -> Option<(f64, String)> {
    static REFRESH: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?i)http-equiv\s*=\s*["']?\s*refresh"#).expect("a valid regex")
    });
    let text = response.text();
    let end = searched_end(text);
    // A cheap look at the searched part first: most pages have no refresh, and those
    // need not be parsed here.
    if !REFRESH.is_match(&text[..end]) {
        return None;
    }
    response
        .try_css("meta[http-equiv]")
        .ok()?
        .iter()
        .filter(|meta| {
            meta.attr("http-equiv")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("refresh"))
        })
        .find_map(|meta| parse_content(&meta.attr("content")?))
}

impl DownloaderMiddleware for MetaRefresh {
    fn process_response<'a>(
        &'a self,
        response: Response,
        crawler: &'a Crawler,
    ) -> Hook<'a, Result<ResponseOutcome, BoxError>> {
        let request = &response.request;
        if dont_redirect(request) || request.method == Method::HEAD || !is_html(&response) {
            return Hook::ready(Ok(ResponseOutcome::Continue(response)));
        }
        let target = meta_refresh(&response)
            .filter(|(delay, _)| *delay <= self.max_delay)
            .and_then(|(_, url)| response.urljoin(&url).ok())
            .filter(|target| matches!(target.scheme(), "http" | "https"));
        let Some(target) = target else {
            return Hook::ready(Ok(ResponseOutcome::Continue(response)));
        };
        let next = redirect(
            request,
            target,
            "meta refresh".into(),
            true,
            &self.limits,
            crawler.stats(),
        );
        Hook::ready(next.map(ResponseOutcome::Reschedule))
    }

    fn hooks(&self) -> DownloaderHooks {
        DownloaderHooks::RESPONSE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_searched_part_ends_after_4096_characters_not_bytes() {
        assert_eq!(searched_end("short"), 5);
        let ascii = "a".repeat(5000);
        assert_eq!(searched_end(&ascii), 4096);
        let wide = "é".repeat(5000);
        assert_eq!(searched_end(&wide), 8192);
        let mixed = format!("é{}", "a".repeat(5000));
        assert_eq!(searched_end(&mixed), 4097);
        for text in [
            "“a”".repeat(2000),
            "a😀".repeat(3000),
            "é".repeat(4095),
            "😀".repeat(4097),
        ] {
            let walked = text
                .char_indices()
                .nth(4096)
                .map_or(text.len(), |(at, _)| at);
            assert_eq!(searched_end(&text), walked);
        }
    }

    #[test]
    fn refresh_contents_parse_as_browsers_read_them() {
        assert_eq!(
            parse_content("0; url=/page/2/"),
            Some((0.0, "/page/2/".into()))
        );
        assert_eq!(
            parse_content("5;URL='http://a.test/x'"),
            Some((5.0, "http://a.test/x".into()))
        );
        assert_eq!(parse_content(" 1.5 , /next "), Some((1.5, "/next".into())));
        assert_eq!(parse_content("10"), None);
        assert_eq!(parse_content("soon; url=/x"), None);
    }
}

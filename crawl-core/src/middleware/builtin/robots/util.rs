//! The RobotsTxtMiddleware's decisions, kept apart from its I/O so they can be unit-tested:
//! what a robots.txt fetch outcome means (RFC 9309), and which user agent token to match.

use texting_robots::Robot;

/// What fetching an origin's robots.txt gave.
#[derive(Debug)]
pub(super) enum Fetched<'a> {
    /// A response with this status and body.
    Response(u16, &'a [u8]),
    /// The server could not be reached (connection refused, timeout, reset).
    Unreachable,
    /// The fetch failed for another reason (dropped by a middleware, too large).
    Failed,
}

/// The rules of one origin for our user agent.
pub(super) enum Rules {
    /// Everything may be fetched (no usable robots.txt).
    AllowAll,
    /// Nothing may be fetched (the server erred or could not be reached).
    DisallowAll,
    /// The parsed robots.txt.
    Parsed(Robot),
}

impl Rules {
    /// The rules RFC 9309 gives a fetch outcome: 2xx is parsed (a file that does not parse
    /// allows all); 4xx ("unavailable") allows all; 5xx or an unreachable server
    /// ("unreachable") disallows all. Other statuses (a redirect left unfollowed) count as
    /// unavailable, as does a fetch our own middlewares refused.
    pub(super) fn from_fetch(fetched: Fetched<'_>, agent: &str) -> Rules {
        match fetched {
            Fetched::Response(status, body) if (200..300).contains(&status) => {
                match Robot::new(agent, body) {
                    Ok(robot) => Rules::Parsed(robot),
                    Err(error) => {
                        tracing::warn!("Cannot parse robots.txt, allowing everything: {error:#}");
                        Rules::AllowAll
                    }
                }
            }
            Fetched::Response(status, _) if status >= 500 => Rules::DisallowAll,
            Fetched::Response(..) | Fetched::Failed => Rules::AllowAll,
            Fetched::Unreachable => Rules::DisallowAll,
        }
    }

    /// Whether `url` (absolute) may be fetched.
    pub(super) fn allowed(&self, url: &str) -> bool {
        match self {
            Rules::AllowAll => true,
            Rules::DisallowAll => false,
            Rules::Parsed(robot) => robot.allowed(url),
        }
    }

    /// The `Crawl-delay` in seconds, if any and positive.
    pub(super) fn delay(&self) -> Option<f64> {
        match self {
            Rules::Parsed(robot) => robot.delay.map(f64::from).filter(|delay| *delay > 0.0),
            _ => None,
        }
    }
}

/// The token matched against `User-agent:` lines: `ROBOTSTXT_USER_AGENT` if set, else the
/// product token of `USER_AGENT` (`crawl` in `crawl/0.1 (+https://...)`).
pub(super) fn agent_token(robots_agent: Option<&str>, user_agent: &str) -> String {
    let agent = robots_agent
        .filter(|a| !a.trim().is_empty())
        .unwrap_or(user_agent)
        .trim();
    let token = agent
        .split(|c: char| c == '/' || c.is_whitespace())
        .next()
        .unwrap_or_default();
    if token.is_empty() {
        "*".to_owned()
    } else {
        token.to_owned()
    }
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    const TXT: &[u8] =
        b"User-agent: crawl\nDisallow: /private/\nCrawl-delay: 2\n\nUser-agent: *\nDisallow: /\n";

    #[test]
    fn statuses_follow_rfc_9309() {
        let url = "http://h/page/1/";
        assert!(Rules::from_fetch(Fetched::Response(404, b"Disallow: /"), "crawl").allowed(url));
        assert!(Rules::from_fetch(Fetched::Response(403, b""), "crawl").allowed(url));
        assert!(!Rules::from_fetch(Fetched::Response(503, b""), "crawl").allowed(url));
        assert!(!Rules::from_fetch(Fetched::Response(500, b""), "crawl").allowed(url));
        assert!(!Rules::from_fetch(Fetched::Unreachable, "crawl").allowed(url));
        assert!(Rules::from_fetch(Fetched::Failed, "crawl").allowed(url));
        assert!(Rules::from_fetch(Fetched::Response(200, b""), "crawl").allowed(url));
    }

    #[test]
    fn groups_match_the_agent_token_and_keep_the_crawl_delay() {
        let ours = Rules::from_fetch(Fetched::Response(200, TXT), "crawl");
        assert!(ours.allowed("http://h/page/1/"));
        assert!(!ours.allowed("http://h/private/secret.html"));
        assert_eq!(ours.delay(), Some(2.0));
        let other = Rules::from_fetch(Fetched::Response(200, TXT), "otherbot");
        assert!(!other.allowed("http://h/page/1/"));
        assert_eq!(other.delay(), None);
    }

    #[test]
    fn the_agent_is_the_product_token() {
        assert_eq!(agent_token(None, "crawl/0.1.0 (+https://x)"), "crawl");
        assert_eq!(agent_token(Some("MyBot"), "crawl/0.1.0"), "MyBot");
        assert_eq!(agent_token(Some(" "), "Mozilla/5.0 (X11)"), "Mozilla");
        assert_eq!(agent_token(None, ""), "*");
    }
}

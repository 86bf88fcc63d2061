//! `DNS_OVERRIDE`: host names answered from the settings instead of the system resolver,
//! as an `/etc/hosts` of the crawl's own (tests and benchmarks point many names at one local
//! server; a crawl can pin a host to one of its addresses). Names that match no entry go to
//! the system resolver.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::settings::StringMap;
use crate::Error;

/// The override table: exact names, `*.suffix` patterns (longest first), and `*`.
#[derive(Debug, Default)]
pub(super) struct Overrides {
    exact: HashMap<String, IpAddr>,
    suffixes: Vec<(String, IpAddr)>,
    any: Option<IpAddr>,
}

fn bad_pattern(pattern: &str) -> Error {
    Error::Usage(format!(
        "DNS_OVERRIDE: `{pattern}` is not a host name, `*.suffix` or `*`"
    ))
}

impl Overrides {
    /// The table `DNS_OVERRIDE` gives, or `None` when it is empty.
    pub(super) fn from_setting(map: &StringMap) -> Result<Option<Overrides>, Error> {
        if map.0.is_empty() {
            return Ok(None);
        }
        let mut overrides = Overrides::default();
        for (pattern, address) in &map.0 {
            let ip: IpAddr = address.trim().parse().map_err(|_| {
                Error::Usage(format!(
                    "DNS_OVERRIDE: `{address}` (for `{pattern}`) is not an IP address"
                ))
            })?;
            let pattern = pattern.trim().to_ascii_lowercase();
            match pattern.strip_prefix('*') {
                Some("") => overrides.any = Some(ip),
                Some(suffix)
                    if suffix.starts_with('.') && suffix.len() > 1 && !suffix.contains('*') =>
                {
                    overrides.suffixes.push((suffix.to_owned(), ip));
                }
                Some(_) => return Err(bad_pattern(&pattern)),
                None if pattern.contains('*') => return Err(bad_pattern(&pattern)),
                None => {
                    overrides.exact.insert(pattern, ip);
                }
            }
        }
        overrides
            .suffixes
            .sort_by_key(|(suffix, _)| std::cmp::Reverse(suffix.len()));
        Ok(Some(overrides))
    }

    /// The address `host` is given, if an entry matches it.
    pub(super) fn lookup(&self, host: &str) -> Option<IpAddr> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if let Some(ip) = self.exact.get(&host) {
            return Some(*ip);
        }
        let suffix = self
            .suffixes
            .iter()
            .find(|(suffix, _)| host.ends_with(suffix));
        suffix.map(|(_, ip)| *ip).or(self.any)
    }
}

impl Resolve for Overrides {
    fn resolve(&self, name: Name) -> Resolving {
        if let Some(ip) = self.lookup(name.as_str()) {
            let addrs: Addrs = Box::new(std::iter::once(SocketAddr::new(ip, 0)));
            return Box::pin(std::future::ready(Ok(addrs)));
        }
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let addrs: Addrs = Box::new(found.collect::<Vec<_>>().into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(entries: &[(&str, &str)]) -> Result<Option<Overrides>, Error> {
        let map = entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
        Overrides::from_setting(&StringMap(map.collect()))
    }

    #[test]
    fn exact_names_then_the_longest_suffix_then_any() {
        let overrides = table(&[
            ("Shop.Example.com", "10.0.0.1"),
            ("*.test", "127.0.0.1"),
            ("*.b.test", "::1"),
        ])
        .unwrap()
        .unwrap();
        let ip = |host| overrides.lookup(host).map(|ip| ip.to_string());
        assert_eq!(ip("shop.example.com."), Some("10.0.0.1".into()));
        assert_eq!(ip("a.test"), Some("127.0.0.1".into()));
        assert_eq!(ip("x.b.test"), Some("::1".into()));
        assert_eq!(ip("test"), None);
        assert_eq!(ip("example.com"), None);
        let any = table(&[("*", "127.0.0.2")]).unwrap().unwrap();
        assert_eq!(any.lookup("anything.org").unwrap().to_string(), "127.0.0.2");
        assert!(table(&[]).unwrap().is_none());
        assert!(table(&[("*.test", "localhost")]).is_err());
        assert!(table(&[("a*.test", "127.0.0.1")]).is_err());
    }
}

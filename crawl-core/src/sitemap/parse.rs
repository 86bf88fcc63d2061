//! A streaming sitemap reader: entries come out one at a time as quick-xml reads the
//! document, so a 50 MB sitemap is never held as a tree (only the entry being read is).

use std::io::BufRead;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// What a sitemap document is, from its root element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SitemapKind {
    /// `<urlset>`: pages.
    UrlSet,
    /// `<sitemapindex>`: other sitemaps.
    Index,
    /// Another root element: not a sitemap.
    Other(String),
}

/// One `<url>` or `<sitemap>` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SitemapEntry {
    /// `<loc>`: the page's or sitemap's URL, as written.
    pub loc: String,
    /// `<lastmod>`, if any (W3C datetime: `2024-01-31` or `2024-01-31T10:00:00+00:00`).
    pub lastmod: Option<String>,
    /// `<changefreq>`, if any.
    pub changefreq: Option<String>,
    /// `<priority>`, if any.
    pub priority: Option<String>,
    /// The `href` of each `<xhtml:link rel="alternate">` (any element named `link`).
    pub alternates: Vec<String>,
}

/// Reads the entries of a sitemap one by one (an `Iterator`); after the last,
/// [`SitemapReader::error`] tells whether the document was malformed. Entries read before an
/// error are kept, as Scrapy's recovering parser keeps them.
pub struct SitemapReader<R: BufRead> {
    reader: Reader<R>,
    buf: Vec<u8>,
    kind: Option<SitemapKind>,
    /// Open elements: 1 inside the root, 2 inside an entry, 3 inside a field.
    depth: usize,
    entry: Option<SitemapEntry>,
    field: Option<String>,
    text: String,
    error: Option<String>,
    done: bool,
}

impl<R: BufRead> std::fmt::Debug for SitemapReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SitemapReader")
            .field("kind", &self.kind)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<R: BufRead> SitemapReader<R> {
    /// A reader over an XML document.
    pub fn new(input: R) -> Self {
        SitemapReader {
            reader: Reader::from_reader(input),
            buf: Vec::new(),
            kind: None,
            depth: 0,
            entry: None,
            field: None,
            text: String::new(),
            error: None,
            done: false,
        }
    }

    /// The document's kind, reading up to its root element; `None` if it has none (empty,
    /// or malformed before the root).
    pub fn kind(&mut self) -> Option<&SitemapKind> {
        while self.kind.is_none() && !self.done {
            if let Some(entry) = self.step() {
                unreachable!("no entry precedes the root element: {entry:?}");
            }
        }
        self.kind.as_ref()
    }

    /// Why the document is malformed, once the entries are read (`None` if it is not).
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    fn fail(&mut self, message: String) {
        self.error = Some(message);
        self.done = true;
    }

    fn start(&mut self, element: &BytesStart<'_>, empty: bool) {
        let name = String::from_utf8_lossy(element.local_name().as_ref()).into_owned();
        match self.depth {
            0 => {
                self.kind = Some(match name.as_str() {
                    "urlset" => SitemapKind::UrlSet,
                    "sitemapindex" => SitemapKind::Index,
                    _ => SitemapKind::Other(name),
                })
            }
            1 => self.entry = Some(SitemapEntry::default()),
            2 if name == "link" => {
                let href = element.attributes().flatten().find_map(|a| {
                    (a.key.local_name().as_ref() == b"href")
                        .then(|| {
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .ok()
                                .map(|v| v.trim().to_owned())
                        })
                        .flatten()
                });
                if let (Some(entry), Some(href)) = (self.entry.as_mut(), href) {
                    entry.alternates.push(href);
                }
            }
            2 => {
                self.field = Some(name);
                self.text.clear();
            }
            _ => {}
        }
        if !empty {
            self.depth += 1;
        }
    }

    /// Closes an element; returns an entry when it was one.
    fn end(&mut self) -> Option<SitemapEntry> {
        self.depth = self.depth.saturating_sub(1);
        match self.depth {
            2 => {
                let (Some(entry), Some(field)) = (self.entry.as_mut(), self.field.take()) else {
                    return None;
                };
                let value = self.text.trim().to_owned();
                match field.as_str() {
                    "loc" => entry.loc = value,
                    "lastmod" => entry.lastmod = Some(value),
                    "changefreq" => entry.changefreq = Some(value),
                    "priority" => entry.priority = Some(value),
                    _ => {}
                }
                None
            }
            1 => self.entry.take().filter(|e| !e.loc.is_empty()),
            _ => None,
        }
    }

    /// Reads one event; returns an entry when one closes.
    fn step(&mut self) -> Option<SitemapEntry> {
        self.buf.clear();
        let collecting = self.depth >= 3 && self.field.is_some();
        let event = match self.reader.read_event_into(&mut self.buf) {
            Ok(event) => event.into_owned(),
            Err(error) => {
                let at = self.reader.error_position();
                self.fail(format!("{error} (at byte {at})"));
                return None;
            }
        };
        match event {
            Event::Start(element) => self.start(&element, false),
            Event::Empty(element) => self.start(&element, true),
            Event::End(_) => return self.end(),
            Event::Text(text) if collecting => match text.decode() {
                Ok(text) => self.text.push_str(&text),
                Err(error) => self.fail(error.to_string()),
            },
            Event::CData(data) if collecting => match data.decode() {
                Ok(text) => self.text.push_str(&text),
                Err(error) => self.fail(error.to_string()),
            },
            Event::GeneralRef(reference) if collecting => {
                if let Ok(Some(c)) = reference.resolve_char_ref() {
                    self.text.push(c);
                } else if let Ok(name) = reference.decode() {
                    self.text
                        .push_str(resolve_predefined_entity(&name).unwrap_or_default());
                }
            }
            Event::Eof => {
                self.done = true;
                if self.depth > 0 {
                    self.error = Some(format!(
                        "the document ends inside {} open elements",
                        self.depth
                    ));
                }
            }
            _ => {}
        }
        None
    }
}

impl<R: BufRead> Iterator for SitemapReader<R> {
    type Item = SitemapEntry;

    fn next(&mut self) -> Option<SitemapEntry> {
        while !self.done {
            if let Some(entry) = self.step() {
                return Some(entry);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(xml: &str) -> (Option<SitemapKind>, Vec<SitemapEntry>, Option<String>) {
        let mut reader = SitemapReader::new(xml.as_bytes());
        let kind = reader.kind().cloned();
        let entries: Vec<SitemapEntry> = reader.by_ref().collect();
        (kind, entries, reader.error().map(str::to_owned))
    }

    #[test]
    fn urlsets_give_their_entries_with_fields_and_alternates() {
        let (kind, entries, error) = read(
            r#"<?xml version="1.0" encoding="UTF-8"?>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">
              <url><loc> http://h/a?x=1&amp;y=&#50; </loc><lastmod>2024-01-02</lastmod>
                <changefreq>daily</changefreq><priority>0.5</priority>
                <xhtml:link rel="alternate" hreflang="fr" href="http://h/fr/a"/></url>
              <url><loc><![CDATA[http://h/b]]></loc></url>
              <url><lastmod>2024-01-01</lastmod></url>
            </urlset>"#,
        );
        assert_eq!(kind, Some(SitemapKind::UrlSet));
        assert_eq!(error, None);
        assert_eq!(
            entries,
            [
                SitemapEntry {
                    loc: "http://h/a?x=1&y=2".into(),
                    lastmod: Some("2024-01-02".into()),
                    changefreq: Some("daily".into()),
                    priority: Some("0.5".into()),
                    alternates: vec!["http://h/fr/a".into()],
                },
                SitemapEntry {
                    loc: "http://h/b".into(),
                    ..Default::default()
                },
            ]
        );
    }

    #[test]
    fn indexes_and_other_roots_are_told_apart() {
        let (kind, entries, _) =
            read("<sitemapindex><sitemap><loc>http://h/s.xml</loc></sitemap></sitemapindex>");
        assert_eq!(kind, Some(SitemapKind::Index));
        assert_eq!(entries[0].loc, "http://h/s.xml");
        let (kind, entries, _) = read("<html><body><url><loc>x</loc></url></body></html>");
        assert_eq!(kind, Some(SitemapKind::Other("html".into())));
        assert_eq!(entries.len(), 0);
        let (kind, _, _) = read("");
        assert_eq!(kind, None);
    }

    #[test]
    fn malformed_documents_keep_the_entries_before_the_error_and_say_why() {
        let (kind, entries, error) =
            read("<urlset><url><loc>http://h/1</loc></url><url><loc>http://h/2</loc></ur\n<<<");
        assert_eq!(kind, Some(SitemapKind::UrlSet));
        assert_eq!(entries.len(), 1);
        assert!(error.is_some());
        let (_, entries, error) = read("<urlset><url><loc>http://h/1</loc></url>");
        assert_eq!(entries.len(), 1);
        assert_eq!(error.unwrap(), "the document ends inside 1 open elements");
        let (_, _, error) = read("<urlset><url><loc>a</lo></url></urlset>");
        assert!(error.is_some());
    }
}

//! What `Response::follow_all` takes: hrefs as text, or selections that hold them.

use crate::{Selection, SelectorList};

/// Links to follow: strings, or selections (an element gives its `href`, a text or
/// attribute value is the href itself).
pub trait Hrefs {
    /// Each href, or an error for an element that has none.
    fn hrefs(self) -> Vec<Result<String, crate::Error>>;
}

fn selection_href(selection: &Selection) -> Result<String, crate::Error> {
    if let Some(value) = selection.as_value() {
        return Ok(value.to_owned());
    }
    selection.attr("href").ok_or_else(|| {
        crate::Error::Usage(format!(
            "cannot follow {}: only elements with an `href` (such as <a> and <link>) can be followed",
            summary(&selection.get())
        ))
    })
}

/// The start of an element's HTML, for messages.
fn summary(html: &str) -> String {
    match html.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &html[..at]),
        None => html.to_owned(),
    }
}

impl Hrefs for SelectorList {
    fn hrefs(self) -> Vec<Result<String, crate::Error>> {
        self.iter().map(selection_href).collect()
    }
}

impl Hrefs for &SelectorList {
    fn hrefs(self) -> Vec<Result<String, crate::Error>> {
        self.iter().map(selection_href).collect()
    }
}

impl Hrefs for Vec<Selection> {
    fn hrefs(self) -> Vec<Result<String, crate::Error>> {
        self.iter().map(selection_href).collect()
    }
}

impl<S: AsRef<str>> Hrefs for Vec<S> {
    fn hrefs(self) -> Vec<Result<String, crate::Error>> {
        self.iter().map(|s| Ok(s.as_ref().to_owned())).collect()
    }
}

impl<S: AsRef<str>> Hrefs for &[S] {
    fn hrefs(self) -> Vec<Result<String, crate::Error>> {
        self.iter().map(|s| Ok(s.as_ref().to_owned())).collect()
    }
}

impl<S: AsRef<str>, const N: usize> Hrefs for [S; N] {
    fn hrefs(self) -> Vec<Result<String, crate::Error>> {
        self.iter().map(|s| Ok(s.as_ref().to_owned())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::selector::Document;

    #[test]
    fn elements_give_their_href_and_values_are_hrefs() {
        let doc = Document::parse(r#"<a href="/a">A</a><link href="b"><p>no link here</p>"#);
        let hrefs: Vec<_> = doc.css("a, link, p").hrefs();
        assert_eq!(hrefs[0].as_ref().unwrap(), "/a");
        assert_eq!(hrefs[1].as_ref().unwrap(), "b");
        let error = hrefs[2].as_ref().unwrap_err().to_string();
        assert!(
            error.starts_with("cannot follow <p>no link here</p>: only elements with an `href`"),
            "{error}"
        );
        let values = doc.css("a::attr(href)").hrefs();
        assert_eq!(values[0].as_ref().unwrap(), "/a");
    }
}

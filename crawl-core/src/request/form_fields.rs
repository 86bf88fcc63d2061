//! The values an HTML form submits, as Scrapy's `FormRequest.from_response` reads them: the
//! successful controls in document order, then the clicked submit button.

use scraper::ElementRef;

/// A control's name and the value it submits.
pub(crate) type Field = (String, String);

/// What selects the submit control to click (Scrapy's `clickdata`): its position among the
/// form's submit controls (`nr`), and attributes it must have.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ClickData {
    /// The control's zero-based position among the form's submit controls.
    pub(crate) nr: Option<usize>,
    /// Attribute names and values the control must have (`name`, `value`, `id`, ...).
    pub(crate) attrs: Vec<(String, String)>,
}

fn tag<'a>(element: &ElementRef<'a>) -> &'a str {
    element.value().name()
}

fn elements<'a>(form: &ElementRef<'a>) -> impl Iterator<Item = ElementRef<'a>> {
    form.descendants().skip(1).filter_map(ElementRef::wrap)
}

fn attr_is(element: &ElementRef<'_>, name: &str, values: &[&str]) -> bool {
    element
        .attr(name)
        .is_some_and(|v| values.iter().any(|w| v.trim().eq_ignore_ascii_case(w)))
}

/// The `<textarea>`, `<select>` and `<input>` fields the form sends, in document order:
/// inputs but submit, image and reset buttons, checkboxes and radios only when checked
/// (their value defaulting to `on`), the selected options of a select (else its first
/// enabled option, unless it is `multiple`), a textarea's text. Unnamed controls send nothing.
pub(crate) fn fields(form: &ElementRef<'_>) -> Vec<Field> {
    let mut out = Vec::new();
    for element in elements(form) {
        let Some(name) = element.attr("name").filter(|n| !n.is_empty()) else {
            continue;
        };
        match tag(&element) {
            "textarea" => out.push((name.to_owned(), element.text().collect())),
            "select" => select_values(&element, name, &mut out),
            "input" => {
                if attr_is(&element, "type", &["submit", "image", "reset"]) {
                    continue;
                }
                let checkable = attr_is(&element, "type", &["checkbox", "radio"]);
                let value = element.attr("value");
                if checkable {
                    if element.attr("checked").is_some() {
                        out.push((name.to_owned(), value.unwrap_or("on").to_owned()));
                    }
                } else {
                    out.push((name.to_owned(), value.unwrap_or_default().to_owned()));
                }
            }
            _ => {}
        }
    }
    out
}

fn option_value(option: &ElementRef<'_>) -> String {
    match option.attr("value") {
        Some(value) => value.to_owned(),
        None => option.text().collect::<String>().trim().to_owned(),
    }
}

fn select_values(select: &ElementRef<'_>, name: &str, out: &mut Vec<Field>) {
    let options: Vec<ElementRef<'_>> = elements(select).filter(|e| tag(e) == "option").collect();
    let mut selected = options.iter().filter(|o| o.attr("selected").is_some());
    if select.attr("multiple").is_some() {
        out.extend(selected.map(|o| (name.to_owned(), option_value(o))));
        return;
    }
    // One value: the last selected option wins, as in browsers; else the first enabled one.
    let chosen = selected
        .next_back()
        .or_else(|| options.iter().find(|o| o.attr("disabled").is_none()));
    if let Some(option) = chosen {
        out.push((name.to_owned(), option_value(option)));
    }
}

/// The form's submit controls: `<input type=submit|image>` and `<button>` without a type or
/// of type submit.
fn clickables<'a>(form: &ElementRef<'a>) -> Vec<ElementRef<'a>> {
    elements(form)
        .filter(|e| match tag(e) {
            "input" => attr_is(e, "type", &["submit", "image"]),
            "button" => e.attr("type").is_none() || attr_is(e, "type", &["submit"]),
            _ => false,
        })
        .collect()
}

/// The name and value the clicked control sends: the first submit control, or the one
/// `clickdata` picks; `Ok(None)` when the form has none or it has no name.
pub(crate) fn clicked(
    form: &ElementRef<'_>,
    clickdata: Option<&ClickData>,
) -> Result<Option<Field>, crate::Error> {
    let controls = clickables(form);
    let sent = |e: &ElementRef<'_>| {
        e.attr("name")
            .map(|n| (n.to_owned(), e.attr("value").unwrap_or_default().to_owned()))
    };
    let Some(data) = clickdata else {
        return Ok(controls.first().and_then(sent));
    };
    let matches = |e: &ElementRef<'_>| {
        data.attrs
            .iter()
            .all(|(k, v)| e.attr(k) == Some(v.as_str()))
    };
    let no_match =
        || crate::Error::Form(format!("no clickable element matching clickdata {data:?}"));
    if let Some(nr) = data.nr {
        return match controls.get(nr) {
            Some(control) if matches(control) => Ok(sent(control)),
            _ => Err(no_match()),
        };
    }
    let matching: Vec<&ElementRef<'_>> = controls.iter().filter(|e| matches(e)).collect();
    match matching.as_slice() {
        [one] => Ok(sent(one)),
        [] => Err(no_match()),
        many => Err(crate::Error::Form(format!(
            "{} clickable elements match clickdata {data:?}",
            many.len()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    fn with_form<R>(html: &str, f: impl FnOnce(ElementRef<'_>) -> R) -> R {
        let doc = Html::parse_document(html);
        let form = doc
            .select(&Selector::parse("form").unwrap())
            .next()
            .unwrap();
        f(form)
    }

    fn pairs(fields: &[Field]) -> Vec<(&str, &str)> {
        fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn fields_follow_scrapys_rules_in_document_order() {
        let html = r#"<form>
            <input name="hidden" type="hidden" value="h">
            <input name="text" value="t"><input name="novalue"><input value="unnamed">
            <input type="checkbox" name="c1" checked><input type="checkbox" name="c2" value="x">
            <input type="RADIO" name="r" value="a"><input type="radio" name="r" value="b" checked>
            <input type="submit" name="go" value="Go"><input type="reset" name="reset">
            <input type="image" name="img">
            <textarea name="area">some
text</textarea>
            <select name="s1"><option value="1">One</option><option selected>  Two </option></select>
            <select name="s2"><option disabled>a</option><option>b</option></select>
            <select name="s3" multiple><option value="x" selected>X</option><option>Y</option><option selected>Z</option></select>
            <select name="s4" multiple><option>P</option></select>
            <select name="s5"></select>
            <button name="b">B</button>
        </form>"#;
        let fields = with_form(html, |form| fields(&form));
        assert_eq!(
            pairs(&fields),
            [
                ("hidden", "h"),
                ("text", "t"),
                ("novalue", ""),
                ("c1", "on"),
                ("r", "b"),
                ("area", "some\ntext"),
                ("s1", "Two"),
                ("s2", "b"),
                ("s3", "x"),
                ("s3", "Z"),
            ]
        );
    }

    #[test]
    fn the_first_submit_control_is_clicked_unless_clickdata_picks_another() {
        let html = r#"<form><input name="q">
            <button type="button" name="no">x</button>
            <input type="submit" name="first" value="1">
            <button name="second" value="2" id="b2">Two</button>
            <input type="image" name="third" value="3">
            <input type="submit" value="unnamed">
        </form>"#;
        with_form(html, |form| {
            let click = |data: Option<ClickData>| clicked(&form, data.as_ref());
            assert_eq!(click(None).unwrap(), Some(("first".into(), "1".into())));
            let nr = |nr| ClickData {
                nr: Some(nr),
                attrs: vec![],
            };
            assert_eq!(
                click(Some(nr(2))).unwrap(),
                Some(("third".into(), "3".into()))
            );
            assert_eq!(click(Some(nr(3))).unwrap(), None);
            assert!(click(Some(nr(4))).is_err());
            let by = |k: &str, v: &str| ClickData {
                nr: None,
                attrs: vec![(k.into(), v.into())],
            };
            assert_eq!(
                click(Some(by("id", "b2"))).unwrap(),
                Some(("second".into(), "2".into()))
            );
            let error = click(Some(by("name", "no"))).unwrap_err().to_string();
            assert!(
                error.starts_with("no clickable element matching"),
                "{error}"
            );
            let error = click(Some(by("type", "submit"))).unwrap_err().to_string();
            assert!(error.starts_with("2 clickable elements match"), "{error}");
        });
        let none = with_form("<form><input name=a></form>", |form| {
            clicked(&form, None).unwrap()
        });
        assert_eq!(none, None);
    }
}

//! XPath values and their conversions (XPath 1.0, section 4): string, number, boolean,
//! and the text parsel gives a number or boolean result.

use super::node::XNode;

/// The value of an expression.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    /// Nodes in document order, each once.
    Nodes(Vec<XNode>),
    Boolean(bool),
    Number(f64),
    String(String),
}

impl Value {
    /// The type's name, for errors.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Nodes(_) => "node-set",
            Value::Boolean(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
        }
    }
}

/// XPath's `string(number)`: `NaN`, `Infinity`, integers without a decimal point, others
/// in decimal notation without an exponent.
pub(crate) fn number_to_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".to_owned();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if n == 0.0 {
        return "0".to_owned();
    }
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return format!("{}", n as i64);
    }
    format!("{n}")
}

/// XPath's `number(string)`: optional whitespace, an optional `-`, digits with an optional
/// fraction (or a fraction alone), optional whitespace; anything else is NaN.
pub(crate) fn string_to_number(text: &str) -> f64 {
    let trimmed = text.trim_matches(is_xml_space);
    let digits = trimmed.strip_prefix('-').unwrap_or(trimmed);
    let mut seen_digit = false;
    let mut seen_dot = false;
    for c in digits.chars() {
        match c {
            '0'..='9' => seen_digit = true,
            '.' if !seen_dot => seen_dot = true,
            _ => return f64::NAN,
        }
    }
    if !seen_digit {
        return f64::NAN;
    }
    trimmed.parse().unwrap_or(f64::NAN)
}

/// XML's whitespace: space, tab, carriage return, line feed.
pub(crate) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// A number result as parsel gives it (Python's `str(float)`): `3.0`, `0.5`, `1e+16`,
/// `nan`, `inf`.
pub(crate) fn python_float(n: f64) -> String {
    if n.is_nan() {
        return "nan".to_owned();
    }
    if n.is_infinite() {
        return if n > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let magnitude = n.abs();
    if magnitude != 0.0 && !(1e-4..1e16).contains(&magnitude) {
        let text = format!("{n:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let (sign, digits) = match exponent.strip_prefix('-') {
            Some(digits) => ('-', digits),
            None => ('+', exponent),
        };
        return format!("{mantissa}e{sign}{digits:0>2}");
    }
    if n.fract() == 0.0 {
        return format!("{n:.1}");
    }
    format!("{n}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_and_print_as_xpath_and_parsel_do() {
        assert_eq!(number_to_string(3.0), "3");
        assert_eq!(number_to_string(-0.0), "0");
        assert_eq!(number_to_string(0.5), "0.5");
        assert_eq!(number_to_string(f64::NAN), "NaN");
        assert_eq!(number_to_string(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(string_to_number(" -12.5\n"), -12.5);
        assert_eq!(string_to_number(".5"), 0.5);
        assert_eq!(string_to_number("5."), 5.0);
        assert!(string_to_number("+1").is_nan());
        assert!(string_to_number("1e3").is_nan());
        assert!(string_to_number("").is_nan());
        assert!(string_to_number("-").is_nan());
        assert_eq!(python_float(3.0), "3.0");
        assert_eq!(python_float(-2.0), "-2.0");
        assert_eq!(python_float(0.25), "0.25");
        assert_eq!(python_float(1e16), "1e+16");
        assert_eq!(python_float(1.5e-5), "1.5e-05");
        assert_eq!(python_float(f64::NAN), "nan");
    }
}

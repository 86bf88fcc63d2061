//! The `FEEDS` setting parser.

use std::path::PathBuf;

use crate::feed::{feeds_from_setting, FeedFormat, FeedSpec, FeedTarget};

fn file(path: &str, format: FeedFormat, overwrite: bool) -> FeedSpec {
    FeedSpec {
        target: FeedTarget::File(PathBuf::from(path)),
        format,
        overwrite,
    }
}

#[test]
fn feeds_keep_their_order_options_and_defaults() {
    let feeds = feeds_from_setting(
        r#"{
            "items.csv": {"format": "csv", "overwrite": true},
            "-": {"format": "jsonl"},
            "out/items.XML": {},
            "stdout:": {"format": "json", "overwrite": false},
            "file:///tmp/my%20items.json": {"format": "jl"},
            "data.out": {"format": "xml", "overwrite": false}
        }"#,
    )
    .unwrap();
    let stdout = |format| FeedSpec {
        target: FeedTarget::Stdout,
        format,
        overwrite: false,
    };
    assert_eq!(
        feeds,
        [
            file("items.csv", FeedFormat::Csv, true),
            stdout(FeedFormat::JsonLines),
            file("out/items.XML", FeedFormat::Xml, false),
            stdout(FeedFormat::Json),
            file("/tmp/my items.json", FeedFormat::JsonLines, false),
            file("data.out", FeedFormat::Xml, false),
        ]
    );
    assert_eq!(feeds_from_setting("{}").unwrap(), []);
}

#[test]
fn errors_name_the_feed_and_what_is_wrong() {
    let error = |text: &str| feeds_from_setting(text).unwrap_err().to_string();
    let prefix = "invalid value for setting `FEEDS`: ";
    let cases = [
        (
            r#"{"items.yaml": {"format": "yaml"}}"#,
            "unknown format `yaml` for feed `items.yaml`, expected one of jsonl, jsonlines, jl, \
             json, csv, xml",
        ),
        (
            r#"{"items.yaml": {}}"#,
            "cannot tell the format of feed `items.yaml`: give `\"format\"`, one of jsonl",
        ),
        (r#"{"-": {}}"#, "cannot tell the format of feed `-`"),
        (
            r#"{"a.csv": {"overwrite": "yes"}}"#,
            "`overwrite` of feed `a.csv` is `\"yes\"`, expected true or false",
        ),
        (
            r#"{"a.csv": {"format": 1}}"#,
            "`format` of feed `a.csv` is `1`, expected a string",
        ),
        (
            r#"{"a.csv": {"fields": ["a"]}}"#,
            "unknown option `fields` for feed `a.csv`: crawl supports `format` and `overwrite`",
        ),
        (
            r#"{"a.csv": "csv"}"#,
            "the options of feed `a.csv` are `\"csv\"`, not a JSON object",
        ),
        (
            r#"{"s3://bucket/a.csv": {}}"#,
            "feed `s3://bucket/a.csv`: crawl writes feeds to files and stdout only, not to `s3://`",
        ),
        (r#"{"": {"format": "csv"}}"#, "feed `` does not name a file"),
        (
            r#"["a.csv"]"#,
            "`[\"a.csv\"]` is not a JSON object of feed URIs to options",
        ),
        ("a.csv", "`a.csv` is not JSON"),
    ];
    for (text, expected) in cases {
        let message = error(text);
        assert!(
            message.starts_with(&format!("{prefix}{expected}")),
            "{message}"
        );
    }
}

//! `-o` appends, `-O` overwrites, and a killed crawl leaves every item written whole.

use super::*;

const FORMATS: [&str; 4] = ["items.json", "items.jsonl", "items.csv", "items.xml"];

fn titles_of(numbers: &[u32]) -> Vec<String> {
    numbers.iter().map(|&n| title(n)).collect()
}

#[test]
fn appending_continues_one_valid_document_and_overwriting_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    for name in FORMATS {
        let path = dir.path().join(name);
        export(&[spec(&dir, name, true)], vec![book(1), book(2)], true);
        assert_eq!(titles(&path), titles_of(&[1, 2]), "{name}");

        // A review first: the CSV keeps the books' header and gets no second one.
        export(&[spec(&dir, name, false)], vec![review(3), book(4)], true);
        assert_eq!(titles(&path), titles_of(&[1, 2, 3, 4]), "{name}");

        export(&[spec(&dir, name, true)], vec![book(5)], true);
        assert_eq!(titles(&path), titles_of(&[5]), "{name}");
    }
    let csv = std::fs::read_to_string(dir.path().join("items.csv")).unwrap();
    assert_eq!(csv.matches("title,price").count(), 1, "{csv}");
}

#[test]
fn appending_after_a_killed_crawl_closes_the_document_it_left_open() {
    let dir = tempfile::tempdir().unwrap();
    for name in FORMATS {
        let path = dir.path().join(name);
        export(&[spec(&dir, name, true)], vec![book(1)], true);
        export(&[spec(&dir, name, false)], vec![book(2), review(3)], false);
        export(&[spec(&dir, name, false)], vec![book(4)], true);
        assert_eq!(titles(&path), titles_of(&[1, 2, 3, 4]), "{name}");
    }
}

#[test]
fn appending_nothing_leaves_a_closed_document_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    for name in FORMATS {
        let path = dir.path().join(name);
        export(&[spec(&dir, name, true)], vec![book(1)], true);
        let before = std::fs::read(&path).unwrap();
        export(&[spec(&dir, name, false)], vec![], false);
        assert_eq!(std::fs::read(&path).unwrap(), before, "{name}");
        export(&[spec(&dir, name, false)], vec![], true);
        assert_eq!(titles(&path), titles_of(&[1]), "{name}");
    }
}

#[test]
fn appending_to_an_empty_document_or_a_file_without_a_final_newline() {
    let dir = tempfile::tempdir().unwrap();
    for name in FORMATS {
        export(&[spec(&dir, name, true)], vec![], true);
        export(&[spec(&dir, name, false)], vec![book(1)], true);
        assert_eq!(titles(&dir.path().join(name)), titles_of(&[1]), "{name}");
    }
    let json = std::fs::read_to_string(dir.path().join("items.json")).unwrap();
    assert!(
        json.starts_with("[\n{") && json.ends_with("}\n]\n"),
        "{json}"
    );

    for name in ["items.jsonl", "items.csv"] {
        let path = dir.path().join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.trim_end()).unwrap();
        export(&[spec(&dir, name, false)], vec![book(2)], true);
        assert_eq!(titles(&path), titles_of(&[1, 2]), "{name}");
    }
}

#[test]
fn a_killed_crawl_leaves_every_flushed_line_and_record_whole() {
    let dir = tempfile::tempdir().unwrap();
    let specs = [
        spec(&dir, "items.jsonl", true),
        spec(&dir, "items.csv", true),
    ];
    export(&specs, items(), false);
    let expected: Vec<Value> = items().iter().map(BoxedItem::to_json).collect();
    assert_eq!(read_back(&dir.path().join("items.jsonl")), expected);
    let csv = std::fs::read_to_string(dir.path().join("items.csv")).unwrap();
    assert!(csv.ends_with('\n'));
    assert_eq!(
        titles(&dir.path().join("items.csv")),
        titles_of(&[1, 1, 2, 2])
    );

    // The JSON array and XML document are open, but each item in them is whole.
    let specs = [
        spec(&dir, "items.json", true),
        spec(&dir, "items.xml", true),
    ];
    export(&specs, items(), false);
    let json = std::fs::read_to_string(dir.path().join("items.json")).unwrap();
    let lines: Vec<&str> = json.lines().collect();
    assert_eq!(lines[0], "[");
    for (line, expected) in lines[1..].iter().zip(&expected) {
        let line = line.strip_suffix(',').unwrap_or(line);
        assert_eq!(&serde_json::from_str::<Value>(line).unwrap(), expected);
    }
    let xml = std::fs::read_to_string(dir.path().join("items.xml")).unwrap();
    let closed = parse_xml(&format!("{xml}</items>"));
    assert_eq!(closed.children.len(), 4);
}

#[test]
fn a_feed_in_a_missing_directory_is_created_and_an_unwritable_one_fails_to_open() {
    let dir = tempfile::tempdir().unwrap();
    export(&[spec(&dir, "a/b/items.csv", false)], vec![book(1)], true);
    assert_eq!(titles(&dir.path().join("a/b/items.csv")), titles_of(&[1]));

    std::fs::write(dir.path().join("file"), "").unwrap();
    let err = Feeds::open(&[spec(&dir, "file/items.xml", false)])
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .starts_with("cannot create the directory of feed"),
        "{err}"
    );
}

#[test]
fn a_resumed_job_cuts_each_feed_to_its_committed_length_and_continues_it() {
    let dir = tempfile::tempdir().unwrap();
    for name in FORMATS {
        let path = dir.path().join(name);
        let stats = Stats::default();
        let mut feeds = Feeds::open(&[spec(&dir, name, true)]).unwrap();
        feeds.write(&book(1), &stats);
        feeds.flush(&stats);
        let committed: std::collections::HashMap<String, u64> =
            feeds.lengths().into_iter().collect();
        assert_eq!(
            committed[&path.display().to_string()],
            std::fs::metadata(&path).unwrap().len(),
            "{name}"
        );
        // Written after the last commit, then the process dies.
        feeds.write(&book(2), &stats);
        feeds.flush(&stats);
        drop(feeds);
        // The same command again (`-O`): cut back and continued, not overwritten.
        let mut specs = vec![spec(&dir, name, true)];
        crate::feed::resume_feeds(&mut specs, &committed).unwrap();
        export(&specs, vec![book(3)], true);
        assert_eq!(titles(&path), titles_of(&[1, 3]), "{name}");
    }
}

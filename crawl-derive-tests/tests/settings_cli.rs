//! The generated command line's `settings` subcommand prints the settings reference, then the
//! settings of the binary's components (`#[derive(Settings)]`).

use std::process::Command;

/// `BINARY settings` prints exactly [`crawl_core::settings_reference`], which a unit test of
/// crawl-core keeps equal to the checked-in `reference.md`, then the table of the binary's
/// component settings (`slow_crawl` declares `SLOW_PAUSE`); nothing is crawled.
#[test]
fn settings_subcommand_prints_the_reference() {
    let output = Command::new(env!("CARGO_BIN_EXE_slow_crawl"))
        .arg("settings")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let components = "\nSettings of this binary's components:\n\n\
        | setting | in `settings(...)` | type | default | what it does |\n\
        |---|---|---|---|---|\n\
        | `SLOW_PAUSE` | `SlowSettings::pause` | `u32` | `3` | Pause between two pages, in milliseconds (listed only). |\n";
    assert_eq!(stdout, crawl_core::settings_reference() + components);
    for name in crawl_core::SETTING_NAMES {
        assert!(stdout.contains(&format!("| `{name}` |")), "{name} missing");
    }
    assert!(stdout.contains(
        "| `DOWNLOAD_DELAY` | `download_delay` | number | `0` | Seconds to wait between two downloads from the same slot. | same |"
    ));
    // The binary has one spider: `settings` is a subcommand, not a spider run.
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

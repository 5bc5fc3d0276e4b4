//! The command line itself: exit codes documented in `--help`, a closed output pipe, and the
//! settings file and flags meeting in one set of options.

use std::io::Read;
use std::process::{Command, Stdio};

use crate::common::*;

#[test]
fn help_documents_every_exit_code() {
    let out = stopsearch(&root(), &["run", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for code in [
        "0  success",
        "1  success with",
        "2  usage",
        "3  fetch",
        "4  output",
        "5  internal",
    ] {
        assert!(help.contains(code), "--help lacks `{code}`:\n{help}");
    }
}

/// `stopsearch dictionary | head -1`: the reader goes away after a line; the program stops
/// quietly with success, never a panic.
#[test]
fn a_closed_pipe_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stopsearch"))
        .arg("dictionary")
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(String::from_utf8_lossy(&first).starts_with("### `searches"));
}

/// A flag given on the command line wins over the settings file; a flag not given leaves the
/// file's value; the month window is one setting.
#[test]
fn flags_are_laid_over_the_settings_file() {
    let dir = tempdir();
    let settings = dir.path().join("stopsearch.toml");
    std::fs::write(
        &settings,
        "out = \"from-file\"\nmonths = 100\ncharts = false\nforces = [\"merseyside\"]\n",
    )
    .unwrap();
    let out = dir.path().join("from-flag");
    let summary = dir.path().join("summary.json");
    run_ok(
        &root(),
        &[
            "--config",
            settings.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--from",
            "2025-06",
            "--summary-json",
            summary.to_str().unwrap(),
            "-q",
        ],
        0,
    );
    // The flag's output folder, the file's forces and no charts, the flag's window.
    assert!(out.join("tables/searches.parquet").exists());
    assert!(!dir.path().join("from-file").exists());
    assert!(!out.join("charts").exists());
    let coverage = table(&out, "coverage");
    let forces: std::collections::BTreeSet<_> =
        strings(&coverage, "force").into_iter().flatten().collect();
    assert_eq!(forces.into_iter().collect::<Vec<_>>(), ["merseyside"]);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(json["run"]["first_month"], "2025-06");
}

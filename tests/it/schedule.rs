//! Scheduled runs: atomic publish under SIGKILL, the lock, the settings file, the month window,
//! thresholds and exit codes, `--summary-json`, and `fetch` failing with exit code 3.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// Every file under `dir` with its bytes, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn siblings(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn spawn_run(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_stopsearch"))
        .arg("run")
        .args(args)
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// A run killed with SIGKILL at any moment, writing or publishing, leaves the previous output
/// complete and unchanged; the next run cleans up after it and publishes.
#[test]
fn a_killed_run_leaves_the_previous_output_intact() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let out_arg = out.to_str().unwrap();
    run_ok(&root(), &["--out", out_arg, "-q"], 0);
    let before = snapshot(&out);
    assert!(before.len() > 100, "{} files", before.len());

    // How long a whole run takes here, to spread the kills over it.
    let clock = Instant::now();
    run_ok(&root(), &["--out", out_arg, "-q", "--no-cache"], 0);
    let full = clock.elapsed();
    let mut previous = snapshot(&out);
    let (mut killed, mut published) = (0, 0);
    // Only the manifest's times differ from the first output.
    assert_eq!(before.len(), previous.len());

    let steps = 16;
    for step in 0..steps {
        // From the start to a little past the usual end, so some kills land in the publish.
        let delay = full.mul_f64(1.1 * f64::from(step) / f64::from(steps - 1));
        let mut child = spawn_run(&["--out", out_arg, "-q", "--no-cache"]);
        std::thread::sleep(delay);
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok();
        child.wait().unwrap();
        let now = snapshot(&out);
        if now != previous {
            // Only allowed if the run had published before the kill: then the output is a
            // whole new one, which with the same inputs differs only in the manifest's times.
            let same_but_manifest = now.len() == previous.len()
                && now
                    .iter()
                    .zip(&previous)
                    .all(|((p, a), (q, b))| p == q && (a == b || p == Path::new("manifest.json")));
            assert!(
                same_but_manifest,
                "step {step}: the output changed under a killed run (finished: {finished})"
            );
            let manifest: serde_json::Value =
                serde_json::from_slice(&now[Path::new("manifest.json")])
                    .expect("a complete manifest");
            assert!(manifest["finished_at"].is_string());
            published += 1;
        } else {
            killed += 1;
        }
        previous = now;
    }
    // Most kills land before the swap; at least one must have been a real kill.
    assert!(
        killed > 0,
        "no run was killed before publishing ({published} published)"
    );
    // The next run cleans up whatever the killed ones left and publishes.
    run_ok(&root(), &["--out", out_arg, "-q"], 0);
    assert_eq!(
        siblings(dir.path()),
        [".out.cache", ".out.lock", "out"],
        "staging folders left behind"
    );
    let after = snapshot(&out);
    let tables = |s: &BTreeMap<PathBuf, Vec<u8>>| {
        s.iter()
            .filter(|(p, _)| p.starts_with("tables"))
            .map(|(p, b)| (p.clone(), b.clone()))
            .collect::<Vec<_>>()
    };
    assert!(tables(&after) == tables(&before), "tables differ");
}

/// A second run on the same output exits at once with code 4 while the first holds the lock,
/// and leaves the first run's work alone.
#[test]
fn a_second_run_on_the_same_output_is_refused() {
    let dir = tempdir();
    let out = dir.path().join("out");
    // Hold the lock as a running run would.
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.path().join(".out.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let clock = Instant::now();
    let refused = stopsearch(&root(), &["run", "--out", out.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(4), "{}", stderr(&refused));
    assert!(clock.elapsed() < Duration::from_secs(5));
    assert!(stderr(&refused).contains("another stopsearch run is writing"));
    assert!(!out.exists());
    drop(lock);

    // And with two real runs: the second is refused while the first is still running.
    let mut first = spawn_run(&["--out", out.to_str().unwrap(), "-q", "--no-cache"]);
    let lock_file = dir.path().join(".out.lock");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&lock_file)
        .unwrap_or_default()
        .contains("process")
    {
        assert!(
            Instant::now() < deadline,
            "the first run never took the lock"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = stopsearch(&root(), &["run", "--out", out.to_str().unwrap()]);
    let first_done = first.try_wait().unwrap();
    if first_done.is_none() {
        assert_eq!(second.status.code(), Some(4), "{}", stderr(&second));
        assert!(stderr(&second).contains("process"), "{}", stderr(&second));
    }
    assert!(first.wait().unwrap().success());
    assert!(out.join("manifest.json").is_file());
}

fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("stopsearch.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn summary(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The settings file sets inputs, output, window and thresholds, relative to its own folder;
/// a crossed threshold gives exit code 1 and says why in the summary.
#[test]
fn settings_file_thresholds_and_summary() {
    let dir = tempdir();
    let fixtures = fixtures();
    let config = write_config(
        dir.path(),
        &format!(
            "inputs = [\"{}\"]\nout = \"published\"\nforces = [\"metropolitan\", \
             \"merseyside\", \"cheshire\", \"south-yorkshire\"]\nmonths = 12\ncharts = false\n\
             summary_json = \"summary.json\"\n\n[thresholds]\nmax_reject_share = 0.01\n\
             require_latest_month = true\n",
            fixtures.display()
        ),
    );
    let out = stopsearch(
        Path::new("/"),
        &["run", "--config", config.to_str().unwrap(), "-q"],
    );
    // The last month of the files is 2025-06; the Met has no file for it.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let s = summary(&dir.path().join("summary.json"));
    assert_eq!(s["exit_code"], 1);
    assert_eq!(s["status"], "warnings");
    assert_eq!(s["run"]["last_month"], "2025-06");
    assert_eq!(s["run"]["first_month"], "2024-07");
    assert_eq!(
        s["run"]["forces_missing_last_month"],
        serde_json::json!(["metropolitan"])
    );
    assert!(
        s["warnings"][0]
            .as_str()
            .unwrap()
            .contains("no data for 2025-06 from metropolitan")
    );
    // Only the Met's 2024-09 API response and the three 2025-06 files are in the 12-month
    // window; the rest are skipped.
    let published = dir.path().join("published");
    let searches = table(&published, "searches");
    let months: std::collections::BTreeSet<_> =
        strings(&searches, "month").into_iter().flatten().collect();
    assert_eq!(
        months.into_iter().collect::<Vec<_>>(),
        ["2024-09", "2025-06"]
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(published.join("manifest.json")).unwrap()).unwrap();
    assert!(
        manifest["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["reason"] == "outside the months 2024-07 to 2025-06")
    );
    assert_eq!(s["run"]["rows_read"], manifest["totals"]["rows_read"]);

    // Flags override the file: another output, one force, another window.
    let other = dir.path().join("other");
    let out = stopsearch(
        Path::new("/"),
        &[
            "run",
            "--config",
            config.to_str().unwrap(),
            "--out",
            other.to_str().unwrap(),
            "--from",
            "2022-01",
            "--to",
            "2022-09",
            "--forces",
            "metropolitan",
            "--summary-json",
            dir.path().join("s2.json").to_str().unwrap(),
            "-q",
        ],
    );
    // The Met's file for the window's last month is there: no warning.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let searches = table(&other, "searches");
    assert_eq!(searches.height(), 12_447);
    assert_eq!(summary(&dir.path().join("s2.json"))["status"], "ok");
}

#[test]
fn a_reject_share_over_the_threshold_exits_1() {
    let dir = tempdir();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let csv = copy_fixture("2025-06-cheshire-stop-and-search.csv.gz", &data, true);
    // Break 10% of the rows: too many fields.
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i > 0 && i % 10 == 0 {
                format!("{l},extra")
            } else {
                l.to_owned()
            }
        })
        .collect();
    std::fs::write(&csv, lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("out");
    let summary_path = dir.path().join("summary.json");
    let run = stopsearch(
        &root(),
        &[
            "run",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-charts",
            "--max-reject-share",
            "0.05",
            "--summary-json",
            summary_path.to_str().unwrap(),
            "-q",
        ],
    );
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let s = summary(&summary_path);
    let share = s["reject_share"].as_f64().unwrap();
    assert!(share > 0.05 && share < 0.15, "{share}");
    assert!(
        s["warnings"][0]
            .as_str()
            .unwrap()
            .contains("over the threshold of 5.00%")
    );
    // Without the threshold the same run is a success.
    run_ok(
        &root(),
        &[
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-charts",
            "-q",
        ],
        0,
    );
}

/// A failed run writes its summary too, with the exit code and the message, and publishes
/// nothing.
#[test]
fn a_failed_run_reports_in_its_summary() {
    let dir = tempdir();
    let bad = dir.path().join("2024-01-nowhere-stop-and-search.csv");
    std::fs::write(&bad, "x\n").unwrap();
    let summary_path = dir.path().join("summary.json");
    let out = stopsearch(
        &root(),
        &[
            "run",
            bad.to_str().unwrap(),
            "--out",
            dir.path().join("out").to_str().unwrap(),
            "--summary-json",
            summary_path.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let s = summary(&summary_path);
    assert_eq!(s["status"], "error");
    assert_eq!(s["exit_code"], 2);
    assert!(s["error"].as_str().unwrap().contains("nowhere"), "{s}");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn inputs_and_cache_may_not_live_in_the_output() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let inside = out.join("data");
    std::fs::create_dir_all(&inside).unwrap();
    copy_fixture("2025-06-cheshire-stop-and-search.csv.gz", &inside, true);
    let run = stopsearch(
        &root(),
        &[
            "run",
            inside.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr(&run).contains("inside the output folder"),
        "{}",
        stderr(&run)
    );
    assert!(inside.join("2025-06-cheshire-stop-and-search.csv").exists());
}

#[test]
fn bad_settings_are_named() {
    let dir = tempdir();
    let config = write_config(dir.path(), "outt = \"x\"\n");
    let out = stopsearch(&root(), &["run", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("stopsearch.toml"), "{}", stderr(&out));
    assert!(stderr(&out).contains("outt"), "{}", stderr(&out));
}

/// `fetch` against a server that is not there: retried, then exit code 3, nothing written but
/// the fetch log.
#[test]
fn fetch_failure_exits_3() {
    let dir = tempdir();
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = dir.path().join("data");
    let out = stopsearch(
        &root(),
        &[
            "fetch",
            "--base-url",
            &format!("http://127.0.0.1:{port}"),
            "--forces",
            "metropolitan",
            "--from",
            "2024-09",
            "--to",
            "2024-09",
            "--data",
            data.to_str().unwrap(),
            "--max-attempts",
            "2",
            "--timeout-seconds",
            "2",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("crimes-street-dates"),
        "{}",
        stderr(&out)
    );
    let left: Vec<String> = if data.exists() {
        siblings(&data)
    } else {
        Vec::new()
    };
    assert!(
        left.iter().all(|n| n == "fetch-log.json"),
        "left behind: {left:?}"
    );
}

#[test]
fn help_lists_the_exit_codes() {
    let out = stopsearch(&root(), &["run", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for line in [
        "0  success",
        "1  success with data-quality warnings",
        "2  usage or input error",
        "3  fetch from data.police.uk failed",
        "4  output could not be written or published",
    ] {
        assert!(text.contains(line), "{line} not in --help");
    }
}

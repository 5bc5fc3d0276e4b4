//! Every kind of input, and every kind of broken input: each has a clear outcome, no panic,
//! and rows read = rows kept + rows rejected.

use std::io::Write;
use std::path::Path;

use crate::common::*;

const HEADER: &str = "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,Outcome linked to object of search,Removal of more than just outer clothing";
const ROW: &str = "Person search,2022-09-01T00:10:00+00:00,False,,51.5,-0.1,Male,18-24,White - Irish,White,Misuse of Drugs Act 1971 (section 23),Controlled drugs,Arrest,True,False";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        z.start_file(*name, opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
    buf.into_inner()
}

fn csv(rows: &[&str]) -> Vec<u8> {
    let mut s = format!("{HEADER}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s.into_bytes()
}

fn out_arg(dir: &Path) -> String {
    dir.join("out").to_str().unwrap().to_owned()
}

#[test]
fn reads_an_archive_zip_without_extracting_it() {
    let dir = tempdir();
    let met = std::fs::read(fixtures().join("2017-12-city-of-london-stop-and-search.csv")).unwrap();
    let archive = zip(&[
        ("2017-12/2017-12-city-of-london-stop-and-search.csv", &met),
        (
            "2017-12/2017-12-city-of-london-street.csv",
            b"Crime ID,Month\n",
        ),
        (
            "2017-12/2017-12-city-of-london-outcomes.csv",
            b"Crime ID,Month\n",
        ),
        ("2017-12/2017-12-btp-stop-and-search.csv", &csv(&[])),
    ]);
    let zip_path = write(dir.path(), "2017-12.zip", &archive);
    run_ok(
        dir.path(),
        &[&zip_path, "--out", &out_arg(dir.path()), "-q"],
        0,
    );
    let out = dir.path().join("out");
    let searches = table(&out, "searches");
    assert_eq!(searches.height(), 101);
    assert_eq!(
        strings(&searches, "source_file")[0].as_deref(),
        Some("2017-12.zip!2017-12/2017-12-city-of-london-stop-and-search.csv")
    );
    let coverage = table(&out, "coverage");
    assert_eq!(coverage.height(), 44);
    let status = counts_where(&coverage, "force", "btp", "status");
    assert_eq!(status["zero"], 1, "a header-only file is an observed zero");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["skipped"].as_array().unwrap().len(), 2);
    assert_eq!(manifest["inputs"][0]["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn a_loose_csv_beats_an_archive_member_for_the_same_month() {
    let dir = tempdir();
    let loose = csv(&[ROW, ROW]);
    let archived = csv(&[ROW]);
    write(dir.path(), "in/2022-09-kent-stop-and-search.csv", &loose);
    write(
        dir.path(),
        "in/2022-09.zip",
        &zip(&[("2022-09/2022-09-kent-stop-and-search.csv", &archived)]),
    );
    run_ok(dir.path(), &["in", "--out", &out_arg(dir.path()), "-q"], 0);
    let out = dir.path().join("out");
    assert_eq!(table(&out, "searches").height(), 2);
    let coverage = table(&out, "coverage");
    let kent = strings(&coverage, "force")
        .iter()
        .position(|f| f.as_deref() == Some("kent"))
        .unwrap();
    assert_eq!(
        strings(&coverage, "source_file")[kent].as_deref(),
        Some("in/2022-09-kent-stop-and-search.csv")
    );
    assert_eq!(
        strings(&coverage, "superseded")[kent].as_deref(),
        Some("in/2022-09.zip!2022-09/2022-09-kent-stop-and-search.csv")
    );
}

#[test]
fn api_json_with_a_name_or_with_force_and_month() {
    let dir = tempdir();
    let json = br#"[{"type":"Person search","datetime":"2024-09-27T09:45:00+00:00","outcome":"Arrest","self_defined_ethnicity":"White - Irish","location":null}]"#;
    let named = write(dir.path(), "response.json", json);
    let out = run_ok(dir.path(), &[&named, "--out", &out_arg(dir.path())], 2);
    assert!(
        stderr(&out).contains("response.json: unrecognised file name"),
        "{}",
        stderr(&out)
    );
    run_ok(
        dir.path(),
        &[
            &named,
            "--force",
            "kent",
            "--month",
            "2024-09",
            "--out",
            &out_arg(dir.path()),
            "-q",
        ],
        0,
    );
    let searches = table(&dir.path().join("out"), "searches");
    assert_eq!(strings(&searches, "force")[0].as_deref(), Some("kent"));
    assert_eq!(
        strings(&searches, "outcome_class")[0].as_deref(),
        Some("arrest")
    );
}

/// A broken file: stopping without --keep-going (exit 2, naming the file and problem), and
/// recorded as `failed` with --keep-going (exit 1), the other files still read.
fn check_broken_file(name: &str, bytes: &[u8], message: &str) {
    let dir = tempdir();
    write(dir.path(), &format!("in/{name}"), bytes);
    write(
        dir.path(),
        "in/2022-09-kent-stop-and-search.csv",
        &csv(&[ROW]),
    );
    let out = run_ok(dir.path(), &["in", "--out", &out_arg(dir.path())], 2);
    let err = stderr(&out);
    assert!(err.contains(&format!("in/{name}")), "{name}: {err}");
    assert!(
        err.contains(message),
        "{name}: expected {message:?} in {err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    run_ok(
        dir.path(),
        &["in", "--keep-going", "--out", &out_arg(dir.path()), "-q"],
        1,
    );
    let o = dir.path().join("out");
    assert_eq!(table(&o, "searches").height(), 1);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(o.join("manifest.json")).unwrap()).unwrap();
    let problems = manifest["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{manifest}");
    assert!(problems[0]["problem"].as_str().unwrap().contains(message));
}

#[test]
fn truncated_gzip() {
    let full = gzip(&csv(&[ROW; 200]));
    check_broken_file(
        "2022-09-essex-stop-and-search.csv.gz",
        &full[..full.len() / 2],
        "corrupt or truncated gzip data",
    );
}

#[test]
fn truncated_zip() {
    let full = zip(&[(
        "2022-09/2022-09-essex-stop-and-search.csv",
        &csv(&[ROW; 50]),
    )]);
    check_broken_file(
        "2022-09.zip",
        &full[..full.len() - 30],
        "corrupt or truncated zip data",
    );
}

#[test]
fn empty_file() {
    check_broken_file("2022-09-essex-stop-and-search.csv", b"", "empty file");
}

#[test]
fn binary_garbage() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    check_broken_file(
        "2022-09-essex-stop-and-search.csv",
        &garbage,
        "not a data.police.uk stop-and-search header",
    );
}

#[test]
fn wrong_header_names_the_columns() {
    check_broken_file(
        "2022-09-essex-stop-and-search.csv",
        b"Crime ID,Month,Reported by\n1,2,3\n",
        "missing columns \"Type\", \"Date\"",
    );
}

#[test]
fn unknown_force_and_unrecognised_name() {
    check_broken_file(
        "2022-09-northern-ireland-stop-and-search.csv",
        &csv(&[ROW]),
        "unknown force id `northern-ireland`",
    );
    check_broken_file(
        "searches-september.csv",
        &csv(&[ROW]),
        "unrecognised file name",
    );
}

#[test]
fn zip_member_escaping_its_folder_is_refused() {
    check_broken_file(
        "2022-09.zip",
        &zip(&[("../2022-09-essex-stop-and-search.csv", &csv(&[ROW]))]),
        "member path is absolute or contains `..`",
    );
}

#[test]
fn row_level_problems_go_to_rejects_and_reconcile() {
    let dir = tempdir();
    // Windows-1252: 0xE9 is é, and is not valid UTF-8 on its own.
    let cp1252 = ROW.replace("White - Irish", "Caf?").into_bytes();
    let cp1252: Vec<u8> = cp1252
        .into_iter()
        .map(|b| if b == b'?' { 0xE9 } else { b })
        .collect();
    let lines: Vec<Vec<u8>> = vec![
        format!("\u{feff}{HEADER}").into_bytes(), // with a UTF-8 byte-order mark
        ROW.as_bytes().to_vec(),
        format!("{ROW},extra field").into_bytes(),
        ROW.replace("White - Irish", "White - Irish caf\u{e9}")
            .into_bytes(),
        cp1252,
        ROW.replace("2022-09-01T00:10:00+00:00", "not a date")
            .into_bytes(),
        b"\x00\x01\x02,,,,,,,,,,,,,,".to_vec(),
    ];
    let bytes = lines.join(&b"\r\n"[..]);
    write(dir.path(), "in/2022-09-kent-stop-and-search.csv", &bytes);
    run_ok(dir.path(), &["in", "--out", &out_arg(dir.path()), "-q"], 0);
    let out = dir.path().join("out");
    let searches = table(&out, "searches");
    let rejects = table(&out, "rejects");
    assert_eq!(searches.height(), 3);
    assert_eq!(rejects.height(), 3);
    assert_eq!(u32s(&rejects, "source_line"), [3, 6, 7]);
    let reasons = strings(&rejects, "reason");
    assert_eq!(
        reasons[0].as_deref(),
        Some("wrong field count: expected 15, found 16")
    );
    assert_eq!(
        reasons[1].as_deref(),
        Some("unparseable date \"not a date\"")
    );
    assert_eq!(
        reasons[2].as_deref(),
        Some("undecodable bytes (binary data)")
    );
    assert!(
        strings(&rejects, "raw_text")[0]
            .as_deref()
            .unwrap()
            .ends_with(",extra field")
    );
    let eth = strings(&searches, "self_defined_ethnicity");
    assert_eq!(
        eth[2].as_deref(),
        Some("Caf\u{e9}"),
        "Windows-1252 byte decoded"
    );
    let q = table(&out, "quality");
    let measures = strings(&q, "measure");
    assert!(
        measures
            .iter()
            .any(|m| m.as_deref() == Some("recoded_windows_1252"))
    );
    let unknown: Vec<_> = (0..q.height())
        .filter(|&i| measures[i].as_deref() == Some("unknown_label"))
        .map(|i| strings(&q, "label")[i].clone().unwrap())
        .collect();
    assert_eq!(unknown, ["Caf\u{e9}", "White - Irish caf\u{e9}"]);
    // An unknown label under a known heading still counts in its broad group.
    assert_eq!(strings(&searches, "ethnicity")[1].as_deref(), Some("White"));
    assert_eq!(strings(&searches, "ethnicity")[2], None);
    let coverage = table(&out, "coverage");
    let kent = strings(&coverage, "force")
        .iter()
        .position(|f| f.as_deref() == Some("kent"))
        .unwrap();
    assert_eq!(
        (
            u32s(&coverage, "rows")[kent],
            u32s(&coverage, "rejected")[kent]
        ),
        (3, 3)
    );
}

#[test]
fn a_missing_input_path_is_a_usage_error() {
    let dir = tempdir();
    let out = run_ok(
        dir.path(),
        &["no/such/folder", "--out", &out_arg(dir.path())],
        2,
    );
    assert!(stderr(&out).contains("no/such/folder: no such file or directory"));
}

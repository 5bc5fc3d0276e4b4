//! Hostile input: compression bombs are refused with a clear error before they fill memory, and
//! archive members that would escape are never used.

use std::io::Write;
use std::path::Path;

use crate::common::*;

/// A stop-and-search header followed by `mib` MiB of one repeated row: compresses about
/// a thousandfold.
fn bomb_text(mib: usize) -> Vec<u8> {
    let header = "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,\
                  Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,\
                  Object of search,Outcome,Outcome linked to object of search,Removal of more \
                  than just outer clothing\n";
    let row = "Person search,2024-01-01T10:00:00+00:00,False,,,,Male,18-24,,,,,Arrest,,False\n";
    let mut out = header.as_bytes().to_vec();
    while out.len() < mib << 20 {
        out.extend_from_slice(row.as_bytes());
    }
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn run_limited(input: &Path, out: &Path) -> std::process::Output {
    stopsearch(
        &root(),
        &[
            "run",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-charts",
            "--max-file-mib",
            "8",
        ],
    )
}

#[test]
fn a_gzip_bomb_is_refused() {
    let dir = tempdir();
    let path = dir.path().join("2024-01-cheshire-stop-and-search.csv.gz");
    let packed = gzip(&bomb_text(64));
    assert!(packed.len() < 1 << 20, "{} bytes", packed.len());
    std::fs::write(&path, &packed).unwrap();
    let out = run_limited(&path, &dir.path().join("out"));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("decompressed size exceeds the limit of 8388608 bytes"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn a_zip_bomb_is_refused_and_keep_going_records_it() {
    let dir = tempdir();
    let path = dir.path().join("2024-01.zip");
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(9));
        z.start_file("2024-01/2024-01-cheshire-stop-and-search.csv", opts)
            .unwrap();
        z.write_all(&bomb_text(64)).unwrap();
        z.finish().unwrap();
    }
    std::fs::write(&path, buf.into_inner()).unwrap();
    let out = run_limited(&path, &dir.path().join("out"));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("2024-01.zip!2024-01/2024-01-cheshire-stop-and-search.csv"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("exceeds the limit"),
        "{}",
        stderr(&out)
    );

    // Under --keep-going the member is recorded as failed and the run carries on.
    let out_dir = dir.path().join("kept");
    let out = stopsearch(
        &root(),
        &[
            "run",
            path.to_str().unwrap(),
            fixtures()
                .join("2025-06-south-yorkshire-stop-and-search.csv")
                .to_str()
                .unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
            "--no-charts",
            "--max-file-mib",
            "8",
            "--keep-going",
            "-q",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let coverage = table(&out_dir, "coverage");
    let failed = select(
        &coverage,
        &[
            ("force", "cheshire"),
            ("month", "2024-01"),
            ("status", "failed"),
        ],
    );
    assert_eq!(failed.height(), 1);
}

/// Members named to escape the archive (`..`, absolute paths) are refused, and nothing is
/// written anywhere but the output and its siblings.
#[test]
fn escaping_zip_members_are_refused() {
    let dir = tempdir();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let path = work.join("2024-01.zip");
    let csv =
        std::fs::read(fixtures().join("2025-06-south-yorkshire-stop-and-search.csv")).unwrap();
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default();
        z.start_file("../2024-01-cheshire-stop-and-search.csv", opts)
            .unwrap();
        z.write_all(&csv).unwrap();
        z.finish().unwrap();
    }
    std::fs::write(&path, buf.into_inner()).unwrap();
    let before: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    let out = stopsearch(
        &root(),
        &[
            "run",
            path.to_str().unwrap(),
            "--out",
            work.join("out").to_str().unwrap(),
            "--no-charts",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(".."), "{}", stderr(&out));
    // Nothing appeared outside the work folder.
    let after: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(before.len(), after.len());
}

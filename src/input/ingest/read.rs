//! Reading a source's bytes: plain, gzip, or a zip member, with a bound on the decompressed
//! size so that a compression bomb is refused instead of exhausting memory.

use std::fs;
use std::io::Read;

use sha2::{Digest, Sha256};

use crate::error::FileProblem;
use crate::input::source::{FileSource, Stored};

/// The bytes of a source, decompressed, and the hash of the file as stored.
pub struct Bytes {
    pub data: Vec<u8>,
    /// SHA-256 of the file on disk; for a zip member, of the member's decompressed bytes.
    pub sha256: String,
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a file, streamed.
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buf[..n]);
    }
}

pub fn read(source: &FileSource, limit: u64) -> Result<Bytes, FileProblem> {
    let io = |e: std::io::Error| FileProblem::read(e);
    match &source.kind {
        Stored::Csv { gzip } | Stored::Json { gzip } => {
            if !gzip && source.size > limit {
                return Err(FileProblem::TooLarge { limit });
            }
            let stored = fs::read(&source.path).map_err(io)?;
            let sha256 = sha256_hex(&stored);
            let data = if *gzip {
                bounded(
                    flate2::read::MultiGzDecoder::new(&stored[..]),
                    limit,
                    "gzip",
                )?
            } else {
                stored
            };
            Ok(Bytes { data, sha256 })
        }
        Stored::ZipMember { archive, member } => {
            let file = fs::File::open(archive).map_err(io)?;
            let corrupt = |e: zip::result::ZipError| FileProblem::Corrupt {
                format: "zip",
                message: e.to_string(),
            };
            let mut zip = zip::ZipArchive::new(file).map_err(corrupt)?;
            let entry = zip.by_name(member).map_err(corrupt)?;
            if entry.size() > limit {
                return Err(FileProblem::TooLarge { limit });
            }
            let data = bounded(entry, limit, "zip")?;
            let sha256 = sha256_hex(&data);
            Ok(Bytes { data, sha256 })
        }
    }
}

/// Reads at most `limit` bytes; one byte more means the input is too large.
fn bounded(reader: impl Read, limit: u64, format: &'static str) -> Result<Vec<u8>, FileProblem> {
    let mut data = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| FileProblem::Corrupt {
            format,
            message: e.to_string(),
        })?;
    if data.len() as u64 > limit {
        return Err(FileProblem::TooLarge { limit });
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn hashes() {
        // printf abc | sha256sum
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn truncated_gzip_is_corrupt() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&b"Type,Date\n".repeat(1000)).unwrap();
        let full = enc.finish().unwrap();
        let cut = &full[..full.len() / 2];
        let err = bounded(flate2::read::MultiGzDecoder::new(cut), 1 << 20, "gzip").unwrap_err();
        assert!(
            matches!(err, FileProblem::Corrupt { format: "gzip", .. }),
            "{err}"
        );
        let ok = bounded(
            flate2::read::MultiGzDecoder::new(&full[..]),
            1 << 20,
            "gzip",
        )
        .unwrap();
        assert_eq!(ok.len(), 10_000);
        let too_big = bounded(flate2::read::MultiGzDecoder::new(&full[..]), 100, "gzip");
        assert_eq!(too_big.unwrap_err(), FileProblem::TooLarge { limit: 100 });
    }
}

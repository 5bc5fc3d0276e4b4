//! The data.police.uk stop-and-search CSV: one header, 15 columns, in every year examined.

use std::collections::HashMap;

use super::batch::{LabelCol, RawBatch};
use super::{Parsed, Reject};
use crate::error::FileProblem;
use crate::reference::month::parse_timestamp;

/// The published header, in order.
pub const HEADER: [&str; 15] = [
    "Type",
    "Date",
    "Part of a policing operation",
    "Policing operation",
    "Latitude",
    "Longitude",
    "Gender",
    "Age range",
    "Self-defined ethnicity",
    "Officer-defined ethnicity",
    "Legislation",
    "Object of search",
    "Outcome",
    "Outcome linked to object of search",
    "Removal of more than just outer clothing",
];

const DATE: usize = 1;
const LATITUDE: usize = 4;
const LONGITUDE: usize = 5;

/// Longest raw text kept for a rejected row.
const MAX_RAW: usize = 4096;

/// Position of each [`HEADER`] column in the file's records (columns may come in any order).
fn map_header(fields: &[String]) -> Result<[usize; 15], FileProblem> {
    let mut slots = [usize::MAX; 15];
    let mut unexpected = Vec::new();
    for (pos, name) in fields.iter().enumerate() {
        match HEADER.iter().position(|h| h == name) {
            Some(i) if slots[i] == usize::MAX => slots[i] = pos,
            Some(_) => unexpected.push(format!("{name:?} (repeated)")),
            None => unexpected.push(format!("{name:?}")),
        }
    }
    let missing: Vec<_> = HEADER
        .iter()
        .zip(slots)
        .filter(|(_, s)| *s == usize::MAX)
        .map(|(h, _)| format!("{h:?}"))
        .collect();
    if missing.is_empty() && unexpected.is_empty() {
        return Ok(slots);
    }
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("missing columns {}", missing.join(", ")));
    }
    if !unexpected.is_empty() {
        let mut shown: Vec<_> = unexpected.iter().take(5).cloned().collect();
        if unexpected.len() > 5 {
            shown.push(format!("and {} more", unexpected.len() - 5));
        }
        parts.push(format!("unexpected columns {}", shown.join(", ")));
    }
    Err(FileProblem::Header(parts.join("; ")))
}

fn lossy(raw: &[u8]) -> String {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let text = String::from_utf8_lossy(&raw[..raw.len().min(MAX_RAW)]);
    text.into_owned()
}

/// Control bytes other than tab and line breaks mean binary data, not text in any encoding.
fn has_binary(bytes: &[u8]) -> bool {
    let suspect = |b: u8| b < 0x20 || b == 0x7f;
    // A branch-free pass first (it vectorises); the exact check only when something turns up.
    let any = bytes
        .chunks(64)
        .any(|c| c.iter().fold(false, |acc, &b| acc | suspect(b)));
    any && bytes
        .iter()
        .any(|&b| suspect(b) && !matches!(b, b'\t' | b'\n' | b'\r'))
}

/// A reader over a CSV file's bytes, past any byte-order mark; the header is read as a record
/// so that a short or long row is the caller's to report, never the csv crate's error.
pub(crate) fn reader(data: &[u8]) -> Result<csv::Reader<&[u8]>, FileProblem> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    if data.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(FileProblem::Empty);
    }
    Ok(csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data))
}

pub fn parse(data: &[u8]) -> Result<Parsed, FileProblem> {
    // Byte offsets below are into the text after the mark, as the reader sees it.
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut reader = reader(data)?;
    let mut record = csv::ByteRecord::new();
    let read_error = |e: csv::Error| FileProblem::read(e);

    reader.read_byte_record(&mut record).map_err(read_error)?;
    let header: Vec<String> = record
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_owned())
        .collect();
    let slots = map_header(&header)?;

    let mut parsed = Parsed::default();
    // Sized once from the number of lines: growing by doubling would leave up to half of
    // every column's memory unused, over millions of rows.
    parsed
        .batch
        .reserve(memchr::memchr_iter(b'\n', data).count());
    let mut decoded: Vec<String> = Vec::with_capacity(15);
    // Each distinct row's text and the line it first appeared on, to count exact duplicates.
    let mut seen: HashMap<&[u8], u32, foldhash::fast::FixedState> = HashMap::default();
    let mut duplicates = 0u32;
    // Line numbers are counted here: the csv crate's own count drifts on CRLF input.
    let (mut line, mut counted_to) = (1u32, 0usize);
    loop {
        let more = reader.read_byte_record(&mut record).map_err(read_error)?;
        if !more {
            break;
        }
        parsed.rows_read += 1;
        let mut start = record.position().map_or(counted_to, |p| p.byte() as usize);
        // After CRLF the reported start can sit on the `\n`: skip line breaks to the text.
        while matches!(data.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let end = (reader.position().byte() as usize).max(start);
        line += memchr::memchr_iter(b'\n', &data[counted_to..start]).count() as u32;
        counted_to = start;
        let reject = |reason: String| Reject {
            line,
            reason,
            raw: lossy(&data[start..end]),
        };
        let text = trim_line_break(&data[start..end]);
        let first = *seen.entry(text).or_insert(line);
        if first != line {
            duplicates += 1;
        }
        if record.len() != HEADER.len() {
            parsed.rejects.push(reject(format!(
                "wrong field count: expected {}, found {}",
                HEADER.len(),
                record.len()
            )));
            continue;
        }
        let bytes = record.as_slice();
        if has_binary(bytes) {
            parsed
                .rejects
                .push(reject("undecodable bytes (binary data)".to_owned()));
            continue;
        }
        let utf8 = std::str::from_utf8(bytes).is_ok();
        if !utf8 {
            // Not UTF-8: a file re-saved by a spreadsheet on Windows. Windows-1252 decodes
            // every such byte; the row is counted as recoded in the quality table.
            decoded.clear();
            decoded.extend(record.iter().map(|f| {
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(f)
                    .0
                    .into_owned()
            }));
        }
        let field = |i: usize| -> &str {
            if utf8 {
                // Checked above for the whole record, so every field is valid UTF-8.
                std::str::from_utf8(&record[slots[i]]).unwrap_or_default()
            } else {
                &decoded[slots[i]]
            }
        };
        let date = field(DATE).trim();
        let Some(millis) = parse_timestamp(date) else {
            let reason = if date.is_empty() {
                "missing date".to_owned()
            } else {
                format!("unparseable date {date:?}")
            };
            parsed.rejects.push(reject(reason));
            continue;
        };
        let batch: &mut RawBatch = &mut parsed.batch;
        if first != line {
            batch.duplicates.push((batch.line.len() as u32, first));
        }
        batch.datetime.push(millis);
        batch.line.push(line);
        let (lat, lon) = (field(LATITUDE), field(LONGITUDE));
        batch.push_coordinates(lat, lon);
        for col in LabelCol::ALL {
            let value = field(csv_position(col));
            batch.label(col).push(value);
        }
        if !utf8 {
            batch.recoded += 1;
        }
    }
    parsed.exact_duplicates = Some(duplicates);
    Ok(parsed)
}

/// A record's text without its line ending, so a CRLF row and an LF row compare by content.
fn trim_line_break(mut text: &[u8]) -> &[u8] {
    while let [rest @ .., b'\r' | b'\n'] = text {
        text = rest;
    }
    text
}

/// Index in [`HEADER`] of a label column.
fn csv_position(col: LabelCol) -> usize {
    HEADER
        .iter()
        .position(|h| *h == col.csv_header())
        .expect("every label column is in the header")
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,Outcome linked to object of search,Removal of more than just outer clothing";
    const ROW: &str = "Person search,2022-09-01T00:10:00+00:00,False,,51.5,-0.1,Male,18-24,Other ethnic group - Not stated,Black,Misuse of Drugs Act 1971 (section 23),Controlled drugs,Arrest,,";

    #[test]
    fn header_matches_label_columns() {
        for col in LabelCol::ALL {
            csv_position(col);
        }
        assert_eq!(HEADER.join(","), H);
    }

    #[test]
    fn reads_rows_with_crlf_and_bom() {
        let text = format!("\u{feff}{H}\r\n{ROW}\r\n{ROW}\r\n");
        let p = parse(text.as_bytes()).unwrap();
        assert_eq!((p.rows_read, p.batch.len(), p.rejects.len()), (2, 2, 0));
        assert_eq!(p.batch.line, [2, 3]);
        let outcome = &p.batch.labels[LabelCol::Outcome.index()];
        assert_eq!(&*outcome.dict[0], "Arrest");
    }

    #[test]
    fn rejects_keep_line_reason_and_text() {
        let text = format!(
            "{H}\n{ROW}\n{ROW},extra\nshort,row\n{}\n",
            ROW.replace("2022-09-01T00:10:00+00:00", "01/09/2022")
        );
        let p = parse(text.as_bytes()).unwrap();
        assert_eq!(p.rows_read, 4);
        assert_eq!(p.batch.len(), 1);
        let got: Vec<_> = p
            .rejects
            .iter()
            .map(|r| (r.line, r.reason.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (3, "wrong field count: expected 15, found 16"),
                (4, "wrong field count: expected 15, found 2"),
                (5, "unparseable date \"01/09/2022\""),
            ]
        );
        assert_eq!(p.rejects[1].raw, "short,row");
    }

    #[test]
    fn windows_1252_is_recoded_and_binary_rejected() {
        let mut text = format!("{H}\n{ROW}\n").into_bytes();
        let mut latin = ROW.as_bytes().to_vec();
        let at = ROW.find("Male").unwrap() + 1;
        latin[at] = 0xE9; // 'é' in Windows-1252, invalid as UTF-8
        text.extend(&latin);
        text.push(b'\n');
        let mut binary = ROW.as_bytes().to_vec();
        binary[3] = 0;
        text.extend(&binary);
        text.push(b'\n');
        let p = parse(&text).unwrap();
        assert_eq!((p.rows_read, p.batch.len(), p.batch.recoded), (3, 2, 1));
        let gender = &p.batch.labels[LabelCol::Gender.index()];
        assert_eq!(gender.codes, [0, 1]);
        assert_eq!(&*gender.dict[1], "M\u{e9}le");
        assert_eq!(p.rejects[0].reason, "undecodable bytes (binary data)");
        assert_eq!(p.rejects[0].line, 4);
    }

    #[test]
    fn file_level_problems() {
        assert_eq!(parse(b"").unwrap_err(), FileProblem::Empty);
        assert_eq!(parse(b"\xEF\xBB\xBF\r\n").unwrap_err(), FileProblem::Empty);
        let err = parse(b"Crime ID,Month\n1,2\n").unwrap_err().to_string();
        assert!(err.contains("missing columns \"Type\""), "{err}");
        assert!(
            err.contains("unexpected columns \"Crime ID\", \"Month\""),
            "{err}"
        );
        let header_only = parse(format!("{H}\n").as_bytes()).unwrap();
        assert_eq!((header_only.rows_read, header_only.batch.len()), (0, 0));
    }

    #[test]
    fn reordered_columns_are_read_by_name() {
        let mut cols: Vec<&str> = H.split(',').collect();
        let mut vals: Vec<&str> = ROW.split(',').collect();
        cols.swap(0, 12);
        vals.swap(0, 12);
        let text = format!("{}\n{}\n", cols.join(","), vals.join(","));
        let p = parse(text.as_bytes()).unwrap();
        assert_eq!(
            &*p.batch.labels[LabelCol::Outcome.index()].dict[0],
            "Arrest"
        );
        assert_eq!(
            &*p.batch.labels[LabelCol::Type.index()].dict[0],
            "Person search"
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    const H: &str = "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,Outcome linked to object of search,Removal of more than just outer clothing";

    proptest! {
        /// Whatever follows a valid header, nothing panics and every row is kept or rejected.
        #[test]
        fn any_bytes_reconcile(body in proptest::collection::vec(any::<u8>(), 0..3000)) {
            let mut data = format!("{H}\n").into_bytes();
            data.extend(body);
            let p = parse(&data).unwrap();
            prop_assert_eq!(p.rows_read as usize, p.batch.len() + p.rejects.len());
            prop_assert!(p.batch.labels.iter().all(|l| l.codes.len() == p.batch.len()));
        }

        /// Rows of printable fields: a row is kept exactly when it has 15 fields and a date.
        #[test]
        fn field_counts_decide(rows in proptest::collection::vec(
            (13usize..18, "[ !#-+.-~]{0,10}", any::<bool>()), 0..40)
        ) {
            let mut data = format!("{H}\r\n");
            let mut expect_kept = 0;
            for (n, text, dated) in &rows {
                let date = if *dated { "2020-01-01T00:00:00+00:00" } else { "x" };
                let mut fields = vec![text.as_str(); *n];
                fields[1] = date;
                data.push_str(&fields.join(","));
                data.push_str("\r\n");
                if *n == 15 && *dated {
                    expect_kept += 1;
                }
            }
            let p = parse(data.as_bytes()).unwrap();
            prop_assert_eq!(p.rows_read as usize, rows.len());
            prop_assert_eq!(p.batch.len(), expect_kept);
            // Lines count from the header at line 1, whatever the line endings.
            let lines: Vec<u32> = p.batch.line.iter().chain(p.rejects.iter().map(|r| &r.line)).copied().collect();
            prop_assert!(lines.iter().all(|&l| l >= 2 && l as usize <= rows.len() + 1));
        }
    }
}

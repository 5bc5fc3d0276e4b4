//! The data.police.uk CSV reader (`ingest::csv::parse`) on arbitrary bytes: no panic, and
//! rows read = rows kept + rows rejected (with the other checks in `stopsearch_fuzz`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use stopsearch_fuzz::{Format, parse_and_check};

fuzz_target!(|data: &[u8]| {
    parse_and_check(Format::Csv, data);
});

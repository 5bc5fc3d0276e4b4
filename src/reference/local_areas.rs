//! Local authority districts: the ONS lookup from district to police force area (December
//! 2022) and Census 2021 usual residents by broad ethnic group per district, summed from the
//! real TS021 table (19 detailed groups per district) the way the force table was built.
//! Both files are built into the binary from `fixtures/population/`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::population::Residents;

const LOOKUP: &str = include_str!("../../fixtures/population/ons_lad22_csp22_pfa22_lookup.csv");
const TS021: &str =
    include_str!("../../fixtures/population/ons_ts021_ltla21_ethnic_group_20cat.csv");

/// A district as the lookup gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct District {
    pub code: &'static str,
    pub name: &'static str,
    pub pfa_code: &'static str,
}

fn lookup_table() -> &'static BTreeMap<&'static str, District> {
    static T: OnceLock<BTreeMap<&'static str, District>> = OnceLock::new();
    T.get_or_init(|| {
        let mut reader = csv::Reader::from_reader(LOOKUP.trim_start_matches('\u{feff}').as_bytes());
        let header = reader.headers().expect("a header").clone();
        let at = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("lookup column {name}"))
        };
        let (code, name, pfa) = (at("LAD22CD"), at("LAD22NM"), at("PFA22CD"));
        // Built once per process: the strings live as long as the program.
        let keep = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
        reader
            .records()
            .map(|r| {
                let r = r.expect("the built-in lookup is valid CSV");
                let d = District {
                    code: keep(&r[code]),
                    name: keep(&r[name]),
                    pfa_code: keep(&r[pfa]),
                };
                (d.code, d)
            })
            .collect()
    })
}

pub fn lookup(code: &str) -> Option<District> {
    lookup_table().get(code).copied()
}

/// Every district, in code order.
pub fn all() -> impl Iterator<Item = District> {
    lookup_table().values().copied()
}

/// Census 2021 residents per district, by broad group: TS021's groups 1–5 are Asian, 6–8
/// Black, 9–12 Mixed, 13–17 White and 18–19 Other; -8 ("Does not apply") is 0 everywhere.
pub fn census_2021() -> &'static BTreeMap<&'static str, Residents> {
    static T: OnceLock<BTreeMap<&'static str, Residents>> = OnceLock::new();
    T.get_or_init(|| {
        let mut reader = csv::Reader::from_reader(TS021.as_bytes());
        let mut out: BTreeMap<&'static str, Residents> = BTreeMap::new();
        let zero = Residents {
            total: 0,
            asian: 0,
            black: 0,
            mixed: 0,
            white: 0,
            other: 0,
        };
        for record in reader.records() {
            let r = record.expect("the built-in TS021 table is valid CSV");
            let code = lookup(&r[0])
                .unwrap_or_else(|| panic!("TS021 district {} is in the lookup", &r[0]))
                .code;
            let group: i32 = r[2].parse().expect("a TS021 group code");
            let n: u64 = r[4].parse().expect("a TS021 count");
            let e = out.entry(code).or_insert(zero);
            match group {
                1..=5 => e.asian += n,
                6..=8 => e.black += n,
                9..=12 => e.mixed += n,
                13..=17 => e.white += n,
                18..=19 => e.other += n,
                _ => continue,
            }
            e.total += n;
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::population::{Census, Population};

    #[test]
    fn the_lookup_has_331_districts_in_the_43_force_areas() {
        assert_eq!(all().count(), 331);
        assert_eq!(lookup("E06000023").unwrap().name, "Bristol, City of");
        let pfas: std::collections::BTreeSet<_> = all().map(|d| d.pfa_code).collect();
        assert_eq!(pfas.len(), 43);
        assert_eq!(lookup("E09000001").unwrap().pfa_code, "E23000034");
        assert_eq!(lookup("E09000033").unwrap().name, "Westminster");
    }

    /// The district table sums exactly to the built-in force table (which ONS's own force
    /// figures were checked against), group by group.
    #[test]
    fn districts_sum_to_the_force_table() {
        let lads = census_2021();
        assert_eq!(lads.len(), 331);
        let forces = Population::census(Census::Y2021);
        let mut sums: BTreeMap<&str, [u64; 6]> = BTreeMap::new();
        for (code, r) in lads {
            let s = sums.entry(lookup(code).unwrap().pfa_code).or_default();
            for (slot, v) in s
                .iter_mut()
                .zip([r.total, r.asian, r.black, r.mixed, r.white, r.other])
            {
                *slot += v;
            }
        }
        for (pfa, r) in &forces.by_pfa {
            assert_eq!(
                sums[pfa.as_str()],
                [r.total, r.asian, r.black, r.mixed, r.white, r.other],
                "{pfa}"
            );
        }
        // Hartlepool, summed by hand from its 19 TS021 rows.
        let h = lads["E06000001"];
        assert_eq!(
            (h.asian, h.black, h.mixed, h.white, h.other),
            (1600, 445, 671, 89068, 554)
        );
    }
}

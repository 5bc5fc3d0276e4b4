//! Calendar months and the periods built from them.

use std::fmt;
use std::str::FromStr;

/// The time now, as the manifest, the fetch log, the lock and the summaries record it (RFC
/// 3339, UTC, whole seconds).
pub fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// A calendar month, `YYYY-MM`. The month of a search is the month in its file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    year: u16,
    /// 1..=12
    month: u8,
}

impl Month {
    pub fn new(year: u16, month: u8) -> Option<Month> {
        ((1..=12).contains(&month) && (1900..=9999).contains(&year))
            .then_some(Month { year, month })
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The month `n` months before this one (clamped at the earliest month there is).
    pub fn back(self, n: u32) -> Month {
        let index = i64::from(self.year) * 12 + i64::from(self.month) - 1 - i64::from(n);
        let index = index.max(1900 * 12);
        Month {
            year: (index / 12) as u16,
            month: (index % 12 + 1) as u8,
        }
    }

    /// This month, by the system clock (UTC).
    pub fn current() -> Month {
        let days = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() / 86_400) as i64;
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Month::new(year as u16, month as u8).expect("the clock gives a real month")
    }

    /// Every month from `self` to `last`, inclusive.
    pub fn through(self, last: Month) -> impl Iterator<Item = Month> {
        std::iter::successors(Some(self), move |m| (*m < last).then(|| m.next()))
    }

    /// Year in which the financial year (April to March, the Home Office convention) starts.
    pub fn financial_year_start(self) -> u16 {
        if self.month >= 4 {
            self.year
        } else {
            self.year - 1
        }
    }

    /// Financial year label as the Home Office writes it: `2022/23` runs April 2022 to March 2023.
    pub fn financial_year(self) -> String {
        let start = self.financial_year_start();
        format!("{start}/{:02}", (start + 1) % 100)
    }

    /// The periods whose figures the month counts towards: itself, its financial year and its
    /// calendar year, as the tables write them (`2022-09`, `2022/23`, `2022`).
    pub fn periods(self) -> [String; 3] {
        [
            self.to_string(),
            self.financial_year(),
            self.year().to_string(),
        ]
    }

    /// Milliseconds since the Unix epoch at 00:00 UTC on the first day of the month.
    pub fn start_millis(self) -> i64 {
        days_from_civil(i64::from(self.year), u32::from(self.month), 1) * 86_400_000
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        let bad = || format!("`{s}` is not a month; expected YYYY-MM");
        if b.len() != 7 || b[4] != b'-' {
            return Err(bad());
        }
        let year: u16 = s[..4].parse().map_err(|_| bad())?;
        let month: u8 = s[5..].parse().map_err(|_| bad())?;
        Month::new(year, month).ok_or_else(bad)
    }
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian); Howard Hinnant's
/// algorithm, exact for every date a timestamp here can hold.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Parses an ISO-8601 timestamp as published (`2016-05-31T23:01:00+00:00`) to milliseconds
/// since the epoch, UTC. Also accepts `Z`, other offsets, fractional seconds, no seconds, no
/// offset (taken as UTC) and a bare date (midnight). Hand-written because it runs once per
/// row on millions of rows and the format is fixed.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(r)?;
        digits.iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)? as u32, num(8..10)? as u32);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let mut millis = days_from_civil(year, month, day) * 86_400_000;
    if b.len() == 10 {
        return Some(millis);
    }
    if !matches!(b[10], b'T' | b' ') || b.len() < 16 || b[13] != b':' {
        return None;
    }
    let (hour, minute) = (num(11..13)?, num(14..16)?);
    let mut pos = 16;
    let mut second = 0;
    let mut frac_ms = 0;
    if b.get(pos) == Some(&b':') {
        second = num(17..19)?;
        pos = 19;
        if b.get(pos) == Some(&b'.') {
            let start = pos + 1;
            let mut end = start;
            while end < b.len() && b[end].is_ascii_digit() {
                end += 1;
            }
            if end == start {
                return None;
            }
            let digits = &s[start..end.min(start + 3)];
            frac_ms = digits.parse::<i64>().ok()? * 10i64.pow(3 - digits.len() as u32);
            pos = end;
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    millis += ((hour * 60 + minute) * 60 + second) * 1000 + frac_ms;
    match &b[pos..] {
        [] | [b'Z'] => Some(millis),
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let offset = num(pos + 1..pos + 3)? * 60 + num(pos + 4..pos + 6)?;
            if offset > 18 * 60 {
                return None;
            }
            let offset_ms = offset * 60_000;
            Some(if *sign == b'+' {
                millis - offset_ms
            } else {
                millis + offset_ms
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_financial_years() {
        let m: Month = "2022-09".parse().unwrap();
        assert_eq!(m.to_string(), "2022-09");
        assert_eq!(m.financial_year(), "2022/23");
        assert_eq!(m.periods(), ["2022-09", "2022/23", "2022"]);
        assert_eq!(
            "2023-03".parse::<Month>().unwrap().financial_year(),
            "2022/23"
        );
        assert_eq!(
            "1999-04".parse::<Month>().unwrap().financial_year(),
            "1999/00"
        );
        assert!("2022-13".parse::<Month>().is_err());
        assert!("2022-9".parse::<Month>().is_err());
        let span: Vec<_> = "2021-11"
            .parse::<Month>()
            .unwrap()
            .through("2022-02".parse().unwrap())
            .map(|m| m.to_string())
            .collect();
        assert_eq!(span, ["2021-11", "2021-12", "2022-01", "2022-02"]);
    }

    #[test]
    fn timestamps() {
        // 2016-05-31T23:01:00Z = 1464735660 s (date -u -d ... +%s).
        assert_eq!(
            parse_timestamp("2016-05-31T23:01:00+00:00"),
            Some(1_464_735_660_000)
        );
        assert_eq!(
            parse_timestamp("2016-06-01T00:01:00+01:00"),
            Some(1_464_735_660_000)
        );
        assert_eq!(
            parse_timestamp("2016-05-31T23:01Z"),
            Some(1_464_735_660_000)
        );
        assert_eq!(
            parse_timestamp("2016-05-31T23:01:00.250Z"),
            Some(1_464_735_660_250)
        );
        assert_eq!(parse_timestamp("1970-01-01"), Some(0));
        assert_eq!(
            parse_timestamp("2024-02-29T00:00:00+00:00"),
            Some(1_709_164_800_000)
        );
        for bad in [
            "",
            "2023-02-29T00:00:00+00:00",
            "2016-13-01T00:00:00+00:00",
            "2016-05-31T24:00:00+00:00",
            "2016-05-31 23:01:00 GMT",
            "31/05/2016",
            "2016-05-31T23:01:00+0000",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        assert_eq!(
            "2016-06".parse::<Month>().unwrap().start_millis(),
            1_464_739_200_000
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::time::{Duration, UNIX_EPOCH};

    proptest! {
        /// Agrees with an independent formatter (humantime) on every second from 1970 to 2100.
        #[test]
        fn parses_what_humantime_formats(secs in 0u64..4_102_444_800) {
            let text = humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(secs)).to_string();
            let published = text.replace('Z', "+00:00");
            prop_assert_eq!(parse_timestamp(&published), Some(secs as i64 * 1000));
        }
    }

    #[test]
    fn months_back() {
        let m: Month = "2024-03".parse().unwrap();
        assert_eq!(m.back(0), m);
        assert_eq!(m.back(2).to_string(), "2024-01");
        assert_eq!(m.back(3).to_string(), "2023-12");
        assert_eq!(m.back(35).to_string(), "2021-04");
        assert!(Month::current() >= "2026-01".parse().unwrap());
    }
}

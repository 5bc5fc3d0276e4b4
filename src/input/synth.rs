//! Synthetic data for benchmarks and scale tests ONLY: files in the exact data.police.uk layout
//! and naming, with rows resampled from the bundled real fixtures (so labels, blank patterns
//! and the links between columns are real), re-dated into each month, with labels in the
//! vocabulary of the month's era, force sizes from the Home Office totals, some force-months
//! missing or empty, and the odd malformed row. Every row carries the policing operation
//! `SYNTHETIC TEST DATA`, and `run` refuses to mix such files with real ones.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rand_core::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::input::discover::{self, NameOverride};
use crate::input::ingest::batch::NULL;
use crate::input::ingest::{self, LabelCol, Limits};
use crate::reference::forces::{self, FORCES, Force};
use crate::reference::month::Month;
use crate::reference::vocab;

/// The policing operation every synthetic row carries.
pub const MARKER: &str = "SYNTHETIC TEST DATA";

const HO_TOTALS: &str =
    include_str!("../../fixtures/population/ho_ss20_totals_ye_mar2025_unverified.csv");

#[derive(Debug, Clone)]
pub struct SynthConfig {
    pub rows: u64,
    pub from: Month,
    pub to: Month,
    pub seed: u64,
    pub out: PathBuf,
    /// Real files to resample rows from (the bundled fixtures).
    pub fixtures: PathBuf,
    /// District boundaries: each force's located searches are then placed at snap points
    /// inside its own area (otherwise they keep the resampled row's location).
    pub boundaries: Option<PathBuf>,
}

/// Snap points per force: data.police.uk moves every location to one of a limited set of
/// points, and a run places each distinct point once, so the benchmark needs a realistic
/// number of them.
const SNAP_POINTS_PER_FORCE: usize = 5_000;

/// Snap points inside each force's area, by force id, drawn uniformly over the area
/// (rejection sampling in the area's bounding box, each point placed in the boundaries) and
/// written to 6 decimals as data.police.uk writes them.
fn snap_points(path: &Path, seed: u64) -> Result<BTreeMap<&'static str, Vec<(String, String)>>> {
    use geo::BoundingRect;
    // The placing layer only: no map layer is drawn here.
    let g = crate::geography::Geography::new(crate::geography::Boundaries::load(path)?, None)?;
    let locator = crate::geography::Locator::new(&g.boundaries);
    let forces: Vec<&'static Force> = FORCES.iter().filter(|f| f.pfa_code.is_some()).collect();
    let pools: Vec<(&'static str, Vec<(String, String)>)> = forces
        .par_iter()
        .map(|f| {
            let pfa = f.pfa_code.expect("territorial");
            let mut rect: Option<geo::Rect<f64>> = None;
            for (lad, _) in g.boundaries.lads.iter().zip(&g.pfa_of).filter(|(_, p)| **p == pfa) {
                if let Some(r) = lad.shape.bounding_rect() {
                    rect = Some(match rect {
                        None => r,
                        Some(a) => geo::Rect::new(
                            geo::coord! { x: a.min().x.min(r.min().x), y: a.min().y.min(r.min().y) },
                            geo::coord! { x: a.max().x.max(r.max().x), y: a.max().y.max(r.max().y) },
                        ),
                    });
                }
            }
            let mut points = Vec::new();
            let Some(rect) = rect else {
                return (f.id, points);
            };
            let mut rng = Pcg64Mcg::seed_from_u64(mix(seed, f.id, Month::new(2000, 1).expect("valid")));
            let unit = |rng: &mut Pcg64Mcg| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            // A force area fills at least a tenth of its bounding box; the bound only stops a
            // degenerate layer from looping.
            for _ in 0..SNAP_POINTS_PER_FORCE * 100 {
                if points.len() == SNAP_POINTS_PER_FORCE {
                    break;
                }
                let lon = rect.min().x + unit(&mut rng) * rect.width();
                let lat = rect.min().y + unit(&mut rng) * rect.height();
                let (lon, lat) = ((lon * 1e6).round() / 1e6, (lat * 1e6).round() / 1e6);
                if let crate::geography::Place::Inside(i) = locator.place(lon, lat)
                    && g.pfa_of[i as usize] == pfa
                {
                    points.push((format!("{lat:.6}"), format!("{lon:.6}")));
                }
            }
            (f.id, points)
        })
        .collect();
    Ok(pools.into_iter().filter(|(_, p)| !p.is_empty()).collect())
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SynthSummary {
    pub files: usize,
    pub zero_files: usize,
    pub missing_force_months: usize,
    pub rows: u64,
    pub malformed_rows: u64,
    pub bytes: u64,
}

/// One real row, with its labels in both vocabularies.
#[derive(Debug, Clone)]
struct Template {
    labels: [String; 12],
    outcome_old: String,
    ethnicity_old: String,
    latitude: String,
    longitude: String,
}

/// Labels of the old scheme for each label of the new one (and the reverse), so a row can be
/// written in the vocabulary of any month.
fn era_maps() -> (
    BTreeMap<&'static str, &'static str>,
    BTreeMap<&'static str, &'static str>,
) {
    let outcome_pairs = [
        (
            "A no further action disposal",
            "Nothing found - no further action",
        ),
        ("Arrest", "Suspect arrested"),
        ("Community resolution", "Local resolution"),
        (
            "Khat or Cannabis warning",
            "Offender given drugs possession warning",
        ),
        (
            "Penalty Notice for Disorder",
            "Offender given penalty notice",
        ),
        ("Summons / charged by post", "Suspect summonsed to court"),
        ("Caution (simple or conditional)", "Offender cautioned"),
    ];
    let mut old_of = BTreeMap::new();
    let mut new_of = BTreeMap::new();
    for (new, old) in outcome_pairs {
        old_of.insert(new, old);
        new_of.insert(old, new);
    }
    // Ethnicity: pair labels through their Census group; the old W9 and O9 stand for several.
    use vocab::DetailedEthnicity as D;
    let (new_labels, old_labels) = vocab::SELF_DEFINED_ETHNICITY.split_at(20);
    let widen = |d: Option<D>| match d {
        Some(D::WhiteGypsyIrishTraveller | D::WhiteRoma | D::WhiteOther) => Some(D::WhiteAllOther),
        Some(D::OtherArab | D::OtherAnyOther) => Some(D::OtherAll),
        d => d,
    };
    for new in new_labels {
        let Some((broad, detailed)) = vocab::self_defined_ethnicity(new) else {
            continue;
        };
        let wanted = Some((broad, widen(detailed)));
        if let Some(old) = old_labels
            .iter()
            .find(|o| vocab::self_defined_ethnicity(o) == wanted)
        {
            old_of.insert(*new, *old);
        }
    }
    for old in old_labels {
        let mapped = vocab::self_defined_ethnicity(old);
        let new = match mapped {
            Some((_, Some(D::WhiteAllOther))) => Some("White - Any other White background"),
            Some((_, Some(D::OtherAll))) => Some("Other ethnic group - Any other ethnic group"),
            _ => new_labels
                .iter()
                .find(|n| vocab::self_defined_ethnicity(n) == mapped)
                .copied(),
        };
        if let Some(new) = new {
            new_of.insert(*old, new);
        }
    }
    (old_of, new_of)
}

/// Reads the real fixtures into row templates, by force.
fn templates(fixtures: &Path) -> Result<BTreeMap<&'static str, Vec<Template>>> {
    let found = discover::discover(&[fixtures.to_owned()], &NameOverride::default(), &[])?;
    let (old_of, new_of) = era_maps();
    let mut by_force: BTreeMap<&'static str, Vec<Template>> = BTreeMap::new();
    for source in found.sources {
        let force = source.force.id;
        let done = ingest::ingest_one(source, Limits::default());
        let Ok(parsed) = done.result else { continue };
        let b = &parsed.batch;
        for row in 0..b.len() {
            let label = |c: LabelCol| {
                let l = &b.labels[c.index()];
                let code = l.codes[row];
                if code == NULL {
                    String::new()
                } else {
                    l.dict[code as usize].to_string()
                }
            };
            let mut labels: [String; 12] = std::array::from_fn(|i| label(LabelCol::ALL[i]));
            // Store the new-scheme labels; keep the old ones beside them.
            let o = LabelCol::Outcome.index();
            let e = LabelCol::SelfDefinedEthnicity.index();
            labels[o] = new_of
                .get(labels[o].as_str())
                .map_or(labels[o].clone(), |s| s.to_string());
            labels[e] = new_of
                .get(labels[e].as_str())
                .map_or(labels[e].clone(), |s| s.to_string());
            labels[LabelCol::PolicingOperation.index()] = MARKER.to_owned();
            let coordinate = |v: f64| {
                if v.is_nan() {
                    String::new()
                } else {
                    format!("{v:.6}")
                }
            };
            by_force.entry(force).or_default().push(Template {
                outcome_old: old_of
                    .get(labels[o].as_str())
                    .map_or(labels[o].clone(), |s| s.to_string()),
                ethnicity_old: old_of
                    .get(labels[e].as_str())
                    .map_or(labels[e].clone(), |s| s.to_string()),
                labels,
                latitude: coordinate(b.latitude[row]),
                longitude: coordinate(b.longitude[row]),
            });
        }
    }
    if by_force.is_empty() {
        return Err(Error::Usage(format!(
            "synth: no real rows to resample in {}",
            fixtures.display()
        )));
    }
    Ok(by_force)
}

/// Relative force sizes: the Home Office totals for the year ending March 2025.
fn force_weights() -> BTreeMap<&'static str, f64> {
    let mut out = BTreeMap::new();
    for line in HO_TOTALS.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        if let (Some(f), Some(n)) = (
            fields.first().and_then(|id| forces::by_id(id)),
            fields.get(3),
        ) {
            out.insert(f.id, n.parse::<f64>().unwrap_or(1.0).max(1.0));
        }
    }
    out
}

/// A deterministic hash of the seed and a force-month, for per-file choices and seeds.
fn mix(seed: u64, force: &str, month: Month) -> u64 {
    let mut h = seed ^ 0x9E37_79B9_7F4A_7C15;
    for b in force.bytes().chain(month.to_string().bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3);
        h ^= h >> 29;
    }
    h.wrapping_mul(0xBF58_476D_1CE4_E5B9) ^ (h >> 31)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    Missing,
    Zero,
    Rows(u64),
}

/// What each force-month gets: missing (Greater Manchester from July 2019, and 2% of the
/// rest), a header-only file (0.3%), or a share of the rows by force size.
fn plan(cfg: &SynthConfig) -> Vec<(&'static Force, Month, Plan)> {
    let weights = force_weights();
    let mut cells = Vec::new();
    let mut total_weight = 0.0;
    for force in FORCES.iter() {
        for month in cfg.from.through(cfg.to) {
            let h = mix(cfg.seed, force.id, month);
            let gmp_gap =
                force.id == "greater-manchester" && month >= Month::new(2019, 7).expect("valid");
            let p = if gmp_gap || h % 1000 < 20 {
                Plan::Missing
            } else if h % 1000 < 23 {
                Plan::Zero
            } else {
                // ±20% month to month.
                let noise = 0.8 + 0.4 * ((h >> 20) % 1000) as f64 / 1000.0;
                let w = weights.get(force.id).copied().unwrap_or(1000.0) * noise;
                total_weight += w;
                Plan::Rows(w.to_bits())
            };
            cells.push((force, month, p));
        }
    }
    // Largest remainder, so the rows add up to exactly --rows.
    let mut shares: Vec<(usize, u64, f64)> = cells
        .iter()
        .enumerate()
        .filter_map(|(i, (_, _, p))| match p {
            Plan::Rows(bits) => {
                let exact = cfg.rows as f64 * f64::from_bits(*bits) / total_weight;
                Some((i, exact.floor() as u64, exact - exact.floor()))
            }
            _ => None,
        })
        .collect();
    let assigned: u64 = shares.iter().map(|s| s.1).sum();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|a, b| shares[*b].2.total_cmp(&shares[*a].2).then(a.cmp(b)));
    for k in order
        .into_iter()
        .take(cfg.rows.saturating_sub(assigned) as usize)
    {
        shares[k].1 += 1;
    }
    for (i, rows, _) in shares {
        cells[i].2 = if rows == 0 {
            Plan::Zero
        } else {
            Plan::Rows(rows)
        };
    }
    cells
}

const HEADER: &str = "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,Outcome linked to object of search,Removal of more than just outer clothing";

fn days_in(month: Month) -> u32 {
    let next = month.next().start_millis();
    ((next - month.start_millis()) / 86_400_000) as u32
}

/// Writes one force-month file; returns (rows, malformed rows, bytes).
fn write_file(
    path: &Path,
    force: &Force,
    month: Month,
    rows: u64,
    templates: &[Template],
    snap: Option<&[(String, String)]>,
    seed: u64,
) -> std::io::Result<(u64, u64, u64)> {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let crlf = forces::index_of(force.id).unwrap_or(0).is_multiple_of(2);
    let eol = if crlf { "\r\n" } else { "\n" };
    let old_outcomes = month < Month::new(2018, 4).expect("valid");
    let old_ethnicity = month < Month::new(2017, 1).expect("valid");
    let days = u64::from(days_in(month));
    let mut buf = String::with_capacity(rows as usize * 230 + 300);
    buf.push_str(HEADER);
    buf.push_str(eol);
    let mut malformed = 0;
    for _ in 0..rows {
        let t = &templates[(rng.next_u64() % templates.len() as u64) as usize];
        let r = rng.next_u64();
        let (day, minute) = (1 + r % days, (r >> 20) % 1440);
        let l = &t.labels;
        let outcome = if old_outcomes {
            &t.outcome_old
        } else {
            &l[LabelCol::Outcome.index()]
        };
        let ethnicity = if old_ethnicity {
            &t.ethnicity_old
        } else {
            &l[LabelCol::SelfDefinedEthnicity.index()]
        };
        let mut date = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:00+00:00",
            month.year(),
            month.month(),
            day,
            minute / 60,
            minute % 60
        );
        // About one row in 20,000 is malformed: a bad date or an extra field.
        let bad = (r >> 40) % 20_000;
        if bad == 0 {
            date = "31/13/2020".to_owned();
            malformed += 1;
        }
        // A located row moves to one of the force's own snap points.
        let (latitude, longitude) = match snap {
            Some(points) if !t.latitude.is_empty() => {
                let (lat, lon) = &points[(r >> 8) as usize % points.len()];
                (lat.as_str(), lon.as_str())
            }
            _ => (t.latitude.as_str(), t.longitude.as_str()),
        };
        let fields = [
            l[LabelCol::Type.index()].as_str(),
            &date,
            &l[LabelCol::PartOfOperation.index()],
            MARKER,
            latitude,
            longitude,
            &l[LabelCol::Gender.index()],
            &l[LabelCol::AgeRange.index()],
            ethnicity,
            &l[LabelCol::OfficerDefinedEthnicity.index()],
            &l[LabelCol::Legislation.index()],
            &l[LabelCol::ObjectOfSearch.index()],
            outcome,
            &l[LabelCol::OutcomeLinked.index()],
            &l[LabelCol::StripSearch.index()],
        ];
        buf.push_str(&fields.join(","));
        if bad == 1 {
            buf.push_str(",EXTRA FIELD");
            malformed += 1;
        }
        buf.push_str(eol);
    }
    let mut file = std::fs::File::create(path)?;
    file.write_all(buf.as_bytes())?;
    Ok((rows, malformed, buf.len() as u64))
}

/// Writes the synthetic data set: `<out>/YYYY-MM/YYYY-MM-<force>-stop-and-search.csv`.
pub fn synth(cfg: &SynthConfig) -> Result<SynthSummary> {
    if cfg.to < cfg.from {
        return Err(Error::Usage("synth: --to is before --from".to_owned()));
    }
    let templates = templates(&cfg.fixtures)?;
    let pooled: Vec<Template> = templates.values().flatten().cloned().collect();
    let snap = match &cfg.boundaries {
        Some(path) => snap_points(path, cfg.seed)?,
        None => BTreeMap::new(),
    };
    let cells = plan(cfg);
    std::fs::create_dir_all(&cfg.out).map_err(Error::write(&cfg.out))?;
    let results: Vec<Result<(Plan, u64, u64, u64)>> = cells
        .par_iter()
        .map(|(force, month, p)| {
            let dir = cfg.out.join(month.to_string());
            let path = dir.join(format!("{month}-{}-stop-and-search.csv", force.id));
            let rows = match p {
                Plan::Missing => return Ok((*p, 0, 0, 0)),
                Plan::Zero => 0,
                Plan::Rows(n) => *n,
            };
            std::fs::create_dir_all(&dir).map_err(Error::write(&dir))?;
            let own = templates.get(force.id).unwrap_or(&pooled);
            let seed = mix(cfg.seed, force.id, *month);
            let (rows, bad, bytes) = write_file(
                &path,
                force,
                *month,
                rows,
                own,
                snap.get(force.id).map(Vec::as_slice),
                seed,
            )
            .map_err(Error::write(&path))?;
            Ok((*p, rows, bad, bytes))
        })
        .collect();
    let mut summary = SynthSummary::default();
    for r in results {
        let (p, rows, bad, bytes) = r?;
        match p {
            Plan::Missing => summary.missing_force_months += 1,
            Plan::Zero => {
                summary.files += 1;
                summary.zero_files += 1;
            }
            Plan::Rows(_) => summary.files += 1,
        }
        summary.rows += rows;
        summary.malformed_rows += bad;
        summary.bytes += bytes;
    }
    let note = cfg.out.join("SYNTHETIC-DATA-README.txt");
    std::fs::write(
        &note,
        format!(
            "SYNTHETIC TEST DATA, made by `stopsearch synth` for benchmarks and scale tests.\n\
             These are not real searches. Every row's policing operation is `{MARKER}`, and \
             stopsearch refuses to mix these files with real data.\n\
             rows: {}, files: {}, seed: {}, months: {} to {}\n",
            summary.rows, summary.files, cfg.seed, cfg.from, cfg.to
        ),
    )
    .map_err(Error::write(&note))?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn era_maps_cover_both_vocabularies() {
        let (old_of, new_of) = era_maps();
        for (new, old) in &old_of {
            if vocab::outcome_class(new).is_some() {
                assert_eq!(
                    vocab::outcome_class(new),
                    vocab::outcome_class(old),
                    "{new}"
                );
            } else {
                let (a, b) = (
                    vocab::self_defined_ethnicity(new),
                    vocab::self_defined_ethnicity(old),
                );
                assert_eq!(a.map(|x| x.0), b.map(|x| x.0), "{new} → {old}");
            }
        }
        assert_eq!(
            old_of["Asian/Asian British - Chinese"],
            "Chinese or other ethnic group - Chinese (O1)"
        );
        assert_eq!(
            old_of["White - Gypsy or Irish Traveller"],
            "White - Any other White ethnic background (W9)"
        );
        assert_eq!(old_of["Other ethnic group - Not stated"], "Not Stated (NS)");
        assert_eq!(new_of["Not Stated (NS)"], "Other ethnic group - Not stated");
        assert_eq!(new_of["Suspect arrested"], "Arrest");
        // Every label of either scheme has a partner.
        assert_eq!(old_of.len(), 7 + 20, "{old_of:?}");
        assert_eq!(new_of.len(), 7 + 17);
    }

    #[test]
    fn the_plan_adds_up() {
        let cfg = SynthConfig {
            rows: 100_000,
            from: "2018-01".parse().unwrap(),
            to: "2020-12".parse().unwrap(),
            seed: 7,
            out: PathBuf::new(),
            fixtures: PathBuf::new(),
            boundaries: None,
        };
        let cells = plan(&cfg);
        assert_eq!(cells.len(), 44 * 36);
        let rows: u64 = cells
            .iter()
            .map(|c| if let Plan::Rows(n) = c.2 { n } else { 0 })
            .sum();
        assert_eq!(rows, 100_000);
        let gmp_after = cells
            .iter()
            .filter(|c| c.0.id == "greater-manchester" && c.1 >= "2019-07".parse().unwrap());
        assert!(gmp_after.into_iter().all(|c| c.2 == Plan::Missing));
        assert_eq!(plan(&cfg), cells, "deterministic");
    }
}

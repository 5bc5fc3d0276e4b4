//! Local areas: ONS local authority district boundaries, the district each search's point lies
//! in, and British National Grid coordinates for distances and maps. Only the boundaries file
//! and the ONS lookup from district to police force area are read here; the stages that need
//! districts (normalise, tables, present) take them from [`Geography`].

pub mod boundaries;
pub mod locate;
pub mod places;
pub mod project;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use boundaries::{Boundaries, Lad};
pub use locate::{Locator, Place};

use crate::reference::local_areas;

/// Where a search's recorded location puts it, relative to the force that searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LocationStatus {
    /// Inside a district of the force's own police force area.
    InForceArea,
    /// In (or snapped to) a district of another force's area; British Transport Police, which
    /// has no area of its own, is always here.
    OtherForceArea,
    /// Outside every polygon (tidal water, a quay), within 200 m of a district of the force's
    /// own area, and given that district.
    NearestWithin200m,
    /// Further than 200 m from every district of England and Wales.
    OutsideBoundaries,
    /// No latitude and longitude.
    NoLocation,
}

impl LocationStatus {
    pub const ALL: [LocationStatus; 5] = [
        LocationStatus::InForceArea,
        LocationStatus::OtherForceArea,
        LocationStatus::NearestWithin200m,
        LocationStatus::OutsideBoundaries,
        LocationStatus::NoLocation,
    ];
    pub const TEXTS: [&'static str; 5] = [
        "in_force_area",
        "other_force_area",
        "nearest_within_200m",
        "outside_boundaries",
        "no_location",
    ];

    pub fn as_str(self) -> &'static str {
        Self::TEXTS[self as usize]
    }

    /// Whether the search counts towards its district's figures.
    pub fn counts_in_district(self) -> bool {
        matches!(
            self,
            LocationStatus::InForceArea | LocationStatus::NearestWithin200m
        )
    }
}

/// The boundaries of a run, with each district's police force area.
#[derive(Debug)]
pub struct Geography {
    pub boundaries: Boundaries,
    /// PFA code of each district (by index into `boundaries.lads`), from the ONS lookup.
    pub pfa_of: Vec<&'static str>,
    /// The layer maps are drawn from (ONS BUC, 500 m); `None` draws `boundaries`.
    pub map: Option<Boundaries>,
    /// Where placed points are kept between runs; `None` for no cache.
    pub cache: Option<PathBuf>,
}

/// A problem with the boundaries: the file, or a district the lookup does not know.
pub type Error = boundaries::Error;

impl Geography {
    /// The assignment layer from `path`; the map layer from `map`, or else from a file beside
    /// `path` named the same with `buc` for `bgc` (as `fetch --boundaries` writes them and ONS
    /// names them), if there is one.
    pub fn load(
        path: &Path,
        map: Option<&Path>,
        cache: Option<PathBuf>,
    ) -> Result<Geography, Error> {
        let mut g = Geography::new(Boundaries::load(path)?, cache)?;
        let beside = sibling_map_layer(path);
        if let Some(m) = map.or(beside.as_deref()) {
            let layer = Geography::new(Boundaries::load(m)?, None)?;
            g.map = Some(layer.boundaries);
        }
        Ok(g)
    }

    pub fn new(boundaries: Boundaries, cache: Option<PathBuf>) -> Result<Geography, Error> {
        let mut pfa_of = Vec::with_capacity(boundaries.lads.len());
        for lad in &boundaries.lads {
            let known = local_areas::lookup(&lad.code).ok_or_else(|| Error {
                file: boundaries.file.clone(),
                problem: format!(
                    "`{}` ({}) is not a district of the ONS December 2022 lookup (the Census \
                     2021 codes the population figures use); use the December 2022 (or 2021) \
                     boundaries",
                    lad.code, lad.name
                ),
            })?;
            pfa_of.push(known.pfa_code);
        }
        Ok(Geography {
            boundaries,
            pfa_of,
            map: None,
            cache,
        })
    }

    /// The layer to draw.
    pub fn drawing(&self) -> &Boundaries {
        self.map.as_ref().unwrap_or(&self.boundaries)
    }

    pub fn lad(&self, i: u32) -> &Lad {
        &self.boundaries.lads[i as usize]
    }
}

/// `…bgc….geojson[.gz]` → an existing `…buc….geojson[.gz]` in the same folder.
pub fn sibling_map_layer(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    let at = lower.find("bgc")?;
    let swapped = |ext_from: &str, ext_to: &str| {
        let mut n = format!(
            "{}{}{}",
            &name[..at],
            if &name[at..at + 3] == "BGC" {
                "BUC"
            } else {
                "buc"
            },
            &name[at + 3..]
        );
        if let Some(stem) = n.strip_suffix(ext_from) {
            n = format!("{stem}{ext_to}");
        }
        path.with_file_name(n)
    };
    [
        swapped("", ""),
        swapped(".gz", ""),
        swapped(".geojson", ".geojson.gz"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

/// What placing a run's points took, for the log and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PlacingStats {
    pub searches: usize,
    pub distinct_points: usize,
    /// Distinct points placed in this run (the rest came from the cache).
    pub placed: usize,
    pub seconds: f64,
}

/// Each distinct point once: `(longitude, latitude)` bits → place.
pub struct Placed {
    places: HashMap<(u64, u64), Place, foldhash::fast::FixedState>,
    pub stats: PlacingStats,
}

impl Placed {
    pub fn get(&self, lon: f64, lat: f64) -> Place {
        self.places
            .get(&(lon.to_bits(), lat.to_bits()))
            .copied()
            .unwrap_or(Place::Outside)
    }
}

/// Places the distinct points of `points` (longitude, latitude; NaN for none), taking what it
/// can from the cache and adding what it placed.
pub fn place_points(g: &Geography, points: impl Iterator<Item = (f64, f64)>) -> Placed {
    let clock = std::time::Instant::now();
    let mut searches = 0;
    let mut places: HashMap<(u64, u64), Place, foldhash::fast::FixedState> = HashMap::default();
    let mut cache = places::Cache::open(g);
    let mut new: Vec<(f64, f64)> = Vec::new();
    for (lon, lat) in points {
        if lon.is_nan() || lat.is_nan() {
            continue;
        }
        searches += 1;
        let key = (lon.to_bits(), lat.to_bits());
        if places.contains_key(&key) {
            continue;
        }
        match cache.get(key) {
            Some(p) => {
                places.insert(key, p);
            }
            None => {
                places.insert(key, Place::Outside);
                new.push((lon, lat));
            }
        }
    }
    let placed = Locator::new(&g.boundaries).place_all(&new);
    for (&(lon, lat), &p) in new.iter().zip(&placed) {
        let key = (lon.to_bits(), lat.to_bits());
        places.insert(key, p);
        cache.add(key, p);
    }
    cache.save();
    let stats = PlacingStats {
        searches,
        distinct_points: places.len(),
        placed: new.len(),
        seconds: clock.elapsed().as_secs_f64(),
    };
    tracing::info!(
        searches,
        distinct_points = stats.distinct_points,
        placed_now = stats.placed,
        seconds = format!("{:.2}", stats.seconds),
        "placed search locations in local authority districts"
    );
    Placed { places, stats }
}

/// A search's district and status, given the police force areas its force counts as its own
/// (empty for British Transport Police).
pub fn status(
    g: &Geography,
    placed: &Placed,
    own_pfas: &[&str],
    lon: f64,
    lat: f64,
) -> (Option<u32>, LocationStatus) {
    if lon.is_nan() || lat.is_nan() {
        return (None, LocationStatus::NoLocation);
    }
    let place = placed.get(lon, lat);
    let Some(lad) = place.lad() else {
        return (None, LocationStatus::OutsideBoundaries);
    };
    let own = own_pfas.contains(&g.pfa_of[lad as usize]);
    let status = match (place, own) {
        (_, false) => LocationStatus::OtherForceArea,
        (Place::Snapped(_), true) => LocationStatus::NearestWithin200m,
        _ => LocationStatus::InForceArea,
    };
    (Some(lad), status)
}

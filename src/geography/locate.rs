//! Which district each search's point lies in. data.police.uk moves every location to one of
//! a limited set of anonymous snap points, so the work is per distinct point, not per search:
//! each is placed once (and kept in the cache for the next run).

use std::sync::OnceLock;

use geo::{Distance, Euclidean, Intersects, MultiPolygon, Point};
use rayon::prelude::*;

use super::boundaries::Boundaries;
use super::project;

/// A point outside every polygon (tidal water, a quay, the coast) is given the nearest district
/// within this distance, in British National Grid metres.
pub const SNAP_METRES: f64 = 200.0;

/// Bounding boxes are searched this many degrees wider for the snap: 200 m is 0.0018° of
/// latitude and at most 0.0038° of longitude in Great Britain (north of 61°N is sea).
const SNAP_MARGIN_DEGREES: f64 = 0.004;

/// Where a point falls, by index into [`Boundaries::lads`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Place {
    /// Inside (or on the edge of) a district; the first in code order if several overlap.
    Inside(u32),
    /// Outside every district, within [`SNAP_METRES`] of this one (the nearest).
    Snapped(u32),
    /// Further than that from every district, or not a place in Great Britain at all.
    Outside,
}

impl Place {
    pub fn lad(self) -> Option<u32> {
        match self {
            Place::Inside(i) | Place::Snapped(i) => Some(i),
            Place::Outside => None,
        }
    }
}

/// Places points in one set of boundaries; projects a district's outline to metres only when
/// a point near it needs the snap.
pub struct Locator<'a> {
    boundaries: &'a Boundaries,
    projected: Vec<OnceLock<MultiPolygon<f64>>>,
}

impl<'a> Locator<'a> {
    pub fn new(boundaries: &'a Boundaries) -> Locator<'a> {
        Locator {
            boundaries,
            projected: (0..boundaries.lads.len())
                .map(|_| OnceLock::new())
                .collect(),
        }
    }

    pub fn place(&self, lon: f64, lat: f64) -> Place {
        if !(lon.is_finite() && lat.is_finite()) {
            return Place::Outside;
        }
        let point = Point::new(lon, lat);
        let lads = &self.boundaries.lads;
        if let Some(i) = self
            .boundaries
            .candidates(lon, lat, 0.0)
            .into_iter()
            .find(|&i| lads[i].shape.intersects(&point))
        {
            return Place::Inside(i as u32);
        }
        let Some(metres) = project::to_bng(lon, lat) else {
            return Place::Outside;
        };
        let metres = Point::from(metres);
        self.boundaries
            .candidates(lon, lat, SNAP_MARGIN_DEGREES)
            .into_iter()
            .map(|i| {
                let shape = self.projected[i].get_or_init(|| project::shape_to_bng(&lads[i].shape));
                (Euclidean.distance(&metres, shape), i)
            })
            .filter(|(d, _)| *d <= SNAP_METRES)
            // Nearest first; the lower code on a tie.
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
            .map_or(Place::Outside, |(_, i)| Place::Snapped(i as u32))
    }

    /// Places many points, in parallel; the answer is in the order given.
    pub fn place_all(&self, points: &[(f64, f64)]) -> Vec<Place> {
        points
            .par_iter()
            .with_min_len(256)
            .map(|&(lon, lat)| self.place(lon, lat))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boundaries() -> Boundaries {
        // Two squares 0.01° apart (about 700 m at 51.5°N) with a 0.0005° (35 m) gap between.
        let square = |code: &str, x: f64| {
            format!(
                r#"{{"type":"Feature","properties":{{"LAD22CD":"{code}","LAD22NM":"{code}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},51.5],[{x1},51.5],[{x1},51.51],[{x},51.51],[{x},51.5]]]}}}}"#,
                x1 = x + 0.01
            )
        };
        let text = format!(
            r#"{{"type":"FeatureCollection","features":[{},{}]}}"#,
            square("E1", -0.1),
            square("E2", -0.0895)
        );
        Boundaries::from_bytes(text.as_bytes(), "t").unwrap()
    }

    #[test]
    fn inside_snapped_and_outside() {
        let b = boundaries();
        let l = Locator::new(&b);
        assert_eq!(l.place(-0.095, 51.505), Place::Inside(0));
        assert_eq!(l.place(-0.085, 51.505), Place::Inside(1));
        // In the gap, nearer the first square (10 m from it, 25 m from the second).
        assert_eq!(l.place(-0.08986, 51.505), Place::Snapped(0));
        // 0.001° of latitude (111 m) north of the second square: snapped; 0.003° (334 m): not.
        assert_eq!(l.place(-0.085, 51.511), Place::Snapped(1));
        assert_eq!(l.place(-0.085, 51.513), Place::Outside);
        // Paris, and nonsense.
        assert_eq!(l.place(2.35, 48.85), Place::Outside);
        assert_eq!(l.place(f64::NAN, 51.5), Place::Outside);
        assert_eq!(l.place(500.0, 95.0), Place::Outside);
    }
}

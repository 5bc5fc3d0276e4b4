//! Longitude/latitude (WGS84) to British National Grid (EPSG:27700) metres, for distances and
//! for drawing maps in a projection where a kilometre is the same length everywhere.
//!
//! The datum shift is the seven-parameter Helmert transformation EPSG gives for OSGB36,
//! accurate to a few metres: ample for a 200 m snapping distance and for maps, where the
//! exact OSTN15 grid would change nothing visible.

use std::sync::OnceLock;

use geo::{Coord, MapCoords, MultiPolygon};
use proj4rs::proj::Proj;

const BNG: &str = "+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 \
    +ellps=airy +towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs";
const WGS84: &str = "+proj=longlat +ellps=WGS84 +datum=WGS84 +no_defs";

fn projections() -> &'static (Proj, Proj) {
    static P: OnceLock<(Proj, Proj)> = OnceLock::new();
    P.get_or_init(|| {
        (
            Proj::from_proj_string(WGS84).expect("the WGS84 definition is valid"),
            Proj::from_proj_string(BNG).expect("the British National Grid definition is valid"),
        )
    })
}

/// Easting and northing in metres; `None` where the projection fails (far outside its zone).
pub fn to_bng(lon: f64, lat: f64) -> Option<Coord<f64>> {
    let (from, to) = projections();
    let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
    proj4rs::transform::transform(from, to, &mut p).ok()?;
    (p.0.is_finite() && p.1.is_finite()).then_some(Coord { x: p.0, y: p.1 })
}

/// A district's outline in British National Grid.
pub fn shape_to_bng(shape: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    shape.map_coords(|c| {
        to_bng(c.x, c.y).unwrap_or(Coord {
            x: f64::NAN,
            y: f64::NAN,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_pyproj() {
        // pyproj 3.7.2 (PROJ 9.5.1), `Transformer.from_crs(4326, 27700, always_xy=True)`:
        // London, Cardiff, Liverpool and Caister-on-Sea.
        let expected = [
            (-0.1276, 51.5072, 530_043.195, 180_358.209),
            (-3.1791, 51.4816, 318_217.994, 176_508.920),
            (-2.9916, 53.4084, 334_179.397, 390_634.364),
            (1.7294, 52.6580, 652_312.156, 313_226.324),
        ];
        for (lon, lat, x, y) in expected {
            let p = to_bng(lon, lat).unwrap();
            assert!(
                (p.x - x).abs() < 1.0 && (p.y - y).abs() < 1.0,
                "{lon},{lat}: {p:?}"
            );
        }
    }
}

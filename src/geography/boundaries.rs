//! Reading an ONS local authority district layer (GeoJSON, plain or gzip) into polygons with
//! an R-tree of their bounding boxes. Every problem that would make assignments wrong (not
//! GeoJSON, no LAD code property, projected coordinates, invalid rings) refuses the file.

use std::io::Read;
use std::path::Path;

use geo::{BoundingRect, MultiPolygon};
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};

/// Why a boundaries file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("boundaries file {file}: {problem}")]
pub struct Error {
    pub file: String,
    pub problem: String,
}

/// One local authority district.
#[derive(Debug, Clone)]
pub struct Lad {
    /// ONS code (`E09000033`).
    pub code: String,
    pub name: String,
    /// Longitude/latitude (WGS84), as published.
    pub shape: MultiPolygon<f64>,
}

/// The districts of England and Wales from one file, sorted by code.
#[derive(Debug)]
pub struct Boundaries {
    /// Where they came from, for the manifest and error messages.
    pub file: String,
    /// The code property found (`LAD22CD`): the vintage of the codes.
    pub code_property: String,
    /// SHA-256 of the file's bytes: the placed-points cache is kept per boundaries file.
    pub sha256: String,
    pub lads: Vec<Lad>,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
}

/// Bytes above which a boundaries file is refused: the finest ONS layer (BFC) of England and
/// Wales is about 150 MB of GeoJSON.
const LIMIT: u64 = 1 << 30;

impl Boundaries {
    pub fn load(path: &Path) -> Result<Boundaries, Error> {
        let file = path.display().to_string();
        let fail = |problem: String| Error {
            file: file.clone(),
            problem,
        };
        let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        Boundaries::from_bytes(&bytes, &file)
    }

    /// `bytes` may be gzip (detected by its magic number).
    pub fn from_bytes(bytes: &[u8], file: &str) -> Result<Boundaries, Error> {
        let fail = |problem: String| Error {
            file: file.to_owned(),
            problem,
        };
        let text = if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut out = String::new();
            flate2::read::MultiGzDecoder::new(bytes)
                .take(LIMIT)
                .read_to_string(&mut out)
                .map_err(|e| fail(format!("corrupt or truncated gzip: {e}")))?;
            out
        } else {
            String::from_utf8(bytes.to_vec()).map_err(|_| fail("not UTF-8 text".to_owned()))?
        };
        let collection: geojson::FeatureCollection = text
            .parse::<geojson::GeoJson>()
            .map_err(|e| fail(format!("not GeoJSON: {e}")))
            .and_then(|g| {
                geojson::FeatureCollection::try_from(g)
                    .map_err(|_| fail("not a GeoJSON FeatureCollection".to_owned()))
            })?;
        let (code_property, name_property) = lad_properties(&collection).map_err(fail)?;
        let mut lads = Vec::new();
        for (i, feature) in collection.features.into_iter().enumerate() {
            let at = format!("feature {}", i + 1);
            let text = |key: &str| {
                feature
                    .property(key)
                    .and_then(|v| v.as_str())
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| fail(format!("{at}: no `{key}` text")))
            };
            let code = text(&code_property)?;
            // Scotland (S) and Northern Ireland (N) have no data.police.uk forces.
            if !(code.starts_with('E') || code.starts_with('W')) {
                continue;
            }
            let name = text(&name_property)?;
            let at = format!("{at} ({code} {name})");
            let geometry = feature
                .geometry
                .ok_or_else(|| fail(format!("{at}: no geometry")))?;
            let shape = multipolygon(geometry).map_err(|p| fail(format!("{at}: {p}")))?;
            lads.push(Lad { code, name, shape });
        }
        if lads.is_empty() {
            return Err(fail(
                "no district of England or Wales (codes starting E or W)".to_owned(),
            ));
        }
        lads.sort_by(|a, b| a.code.cmp(&b.code));
        if let Some(w) = lads.windows(2).find(|w| w[0].code == w[1].code) {
            return Err(fail(format!("`{}` appears twice", w[0].code)));
        }
        let tree = RTree::bulk_load(
            lads.iter()
                .enumerate()
                .filter_map(|(i, lad)| {
                    let r = lad.shape.bounding_rect()?;
                    let rect =
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                    Some(GeomWithData::new(rect, i))
                })
                .collect(),
        );
        use sha2::Digest;
        let sha256 = sha2::Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Boundaries {
            file: file.to_owned(),
            code_property,
            sha256,
            lads,
            tree,
        })
    }

    /// Districts whose bounding box, widened by `margin` degrees, holds the point, in code order.
    pub fn candidates(&self, lon: f64, lat: f64, margin: f64) -> Vec<usize> {
        let envelope =
            AABB::from_corners([lon - margin, lat - margin], [lon + margin, lat + margin]);
        let mut found: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(&envelope)
            .map(|g| g.data)
            .collect();
        found.sort_unstable();
        found
    }

    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.lads
            .binary_search_by(|l| l.code.as_str().cmp(code))
            .ok()
    }
}

/// The code and name properties: `LADyyCD` and `LADyyNM` for any vintage `yy`, in any case.
fn lad_properties(c: &geojson::FeatureCollection) -> Result<(String, String), String> {
    let first = c
        .features
        .first()
        .ok_or("the FeatureCollection has no features")?;
    let keys: Vec<&String> = first.properties.iter().flat_map(|p| p.keys()).collect();
    let code = keys
        .iter()
        .find(|k| {
            let k = k.to_ascii_uppercase();
            k.len() == 7
                && k.starts_with("LAD")
                && k.ends_with("CD")
                && k[3..5].bytes().all(|b| b.is_ascii_digit())
        })
        .ok_or_else(|| {
            format!(
                "no local authority district code property (LADyyCD, e.g. LAD22CD) on the first \
                 feature; its properties are: {}",
                if keys.is_empty() {
                    "none".to_owned()
                } else {
                    keys.iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )
        })?;
    let wanted = format!("{}NM", &code[..5]);
    let name = keys
        .iter()
        .find(|k| k.eq_ignore_ascii_case(&wanted))
        .ok_or_else(|| format!("`{code}` has no matching name property `{wanted}`"))?;
    Ok(((*code).clone(), (*name).clone()))
}

/// A Polygon or MultiPolygon in longitude/latitude, valid (OGC rules, as `geo` checks them).
fn multipolygon(geometry: geojson::Geometry) -> Result<MultiPolygon<f64>, String> {
    let shape: geo::Geometry<f64> = geometry
        .try_into()
        .map_err(|e: geojson::Error| format!("unreadable geometry: {e}"))?;
    let shape = match shape {
        geo::Geometry::MultiPolygon(m) => m,
        geo::Geometry::Polygon(p) => MultiPolygon::new(vec![p]),
        other => {
            return Err(format!(
                "a {} where a Polygon or MultiPolygon was expected",
                kind(&other)
            ));
        }
    };
    let rect = shape.bounding_rect().ok_or("an empty geometry")?;
    if rect.min().x < -180.0 || rect.max().x > 180.0 || rect.min().y < -90.0 || rect.max().y > 90.0
    {
        return Err(format!(
            "coordinates up to ({:.0}, {:.0}) are not longitude/latitude; a layer in British \
             National Grid (eastings/northings) must be downloaded in WGS84 (EPSG:4326) instead",
            rect.max().x,
            rect.max().y
        ));
    }
    check_rings(&shape).map_err(|e| format!("invalid geometry: {e}"))?;
    Ok(shape)
}

/// A segment of ring `ring`, the `at`-th of `len`.
#[derive(Debug, Clone, Copy)]
struct Edge {
    line: geo::Line<f64>,
    ring: usize,
    at: usize,
    len: usize,
}

impl geo::algorithm::sweep::Cross for Edge {
    type Scalar = f64;
    fn line(&self) -> geo::Line<f64> {
        self.line
    }
}

/// The checks that matter for placing points: finite coordinates, rings of at least three
/// distinct points, no ring crossing or touching itself, and no ring crossing another ring
/// of its polygon (touching at a point is allowed, as OGC allows it).
/// `geo`'s own validation compares every pair of segments (hours on the ONS layers); the
/// sweep in `geo::algorithm::sweep` finds the same crossings in n log n.
fn check_rings(shape: &MultiPolygon<f64>) -> Result<(), String> {
    for (p, polygon) in shape.0.iter().enumerate() {
        let rings: Vec<&geo::LineString<f64>> = std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .collect();
        let mut edges = Vec::new();
        for (r, ring) in rings.iter().enumerate() {
            if ring.0.iter().any(|c| !(c.x.is_finite() && c.y.is_finite())) {
                return Err(format!(
                    "polygon {} has a coordinate that is not a number",
                    p + 1
                ));
            }
            let mut distinct: Vec<(u64, u64)> = ring
                .0
                .iter()
                .map(|c| (c.x.to_bits(), c.y.to_bits()))
                .collect();
            distinct.sort_unstable();
            distinct.dedup();
            if distinct.len() < 3 {
                return Err(format!(
                    "polygon {}, ring {}: fewer than 3 distinct points",
                    p + 1,
                    r + 1
                ));
            }
            let lines: Vec<geo::Line<f64>> = ring.lines().filter(|l| l.start != l.end).collect();
            let len = lines.len();
            edges.extend(lines.into_iter().enumerate().map(|(at, line)| Edge {
                line,
                ring: r,
                at,
                len,
            }));
        }
        let neighbours = |a: &Edge, b: &Edge| {
            a.ring == b.ring && ((a.at + 1) % a.len == b.at || (b.at + 1) % b.len == a.at)
        };
        for (a, b, hit) in geo::algorithm::sweep::Intersections::from_iter(edges) {
            // Neighbouring segments share a vertex; two rings may touch at a point (OGC).
            let touch = matches!(
                hit,
                geo::LineIntersection::SinglePoint {
                    is_proper: false,
                    ..
                }
            );
            if !(touch && (neighbours(&a, &b) || a.ring != b.ring)) {
                let at = match hit {
                    geo::LineIntersection::SinglePoint { intersection, .. } => intersection,
                    geo::LineIntersection::Collinear { intersection } => intersection.start,
                };
                let what = if a.ring == b.ring {
                    "crosses or touches itself"
                } else {
                    "crosses another ring"
                };
                return Err(format!(
                    "polygon {}, ring {} {what} at ({:.6}, {:.6})",
                    p + 1,
                    a.ring + 1,
                    at.x,
                    at.y
                ));
            }
        }
    }
    Ok(())
}

fn kind(g: &geo::Geometry<f64>) -> &'static str {
    match g {
        geo::Geometry::Point(_) => "Point",
        geo::Geometry::MultiPoint(_) => "MultiPoint",
        geo::Geometry::LineString(_) | geo::Geometry::Line(_) => "LineString",
        geo::Geometry::MultiLineString(_) => "MultiLineString",
        geo::Geometry::GeometryCollection(_) => "GeometryCollection",
        _ => "non-polygon geometry",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(code: &str, x: f64, y: f64) -> String {
        format!(
            r#"{{"type":"Feature","properties":{{"LAD22CD":"{code}","LAD22NM":"Name {code}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x1},{y}],[{x1},{y1}],[{x},{y1}],[{x},{y}]]]}}}}"#,
            x1 = x + 0.1,
            y1 = y + 0.1
        )
    }

    fn collection(features: &[String]) -> String {
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        )
    }

    #[test]
    fn reads_england_and_wales_and_drops_scotland() {
        let text = collection(&[
            square("W06000001", -4.0, 53.0),
            square("E09000001", -0.1, 51.5),
            square("S12000033", -2.0, 57.0),
        ]);
        let b = Boundaries::from_bytes(text.as_bytes(), "t.geojson").unwrap();
        assert_eq!(b.code_property, "LAD22CD");
        let codes: Vec<_> = b.lads.iter().map(|l| l.code.as_str()).collect();
        assert_eq!(codes, ["E09000001", "W06000001"]);
        assert_eq!(b.candidates(-0.05, 51.55, 0.0), vec![0]);
        assert!(b.candidates(-2.0, 57.05, 0.0).is_empty());
    }

    #[test]
    fn refuses_what_would_give_wrong_assignments() {
        let problem = |text: &str| {
            Boundaries::from_bytes(text.as_bytes(), "bad.geojson")
                .unwrap_err()
                .problem
        };
        assert!(problem("not json").starts_with("not GeoJSON"));
        let no_code = collection(&[square("E1", 0.0, 51.0).replace("LAD22CD", "CODE")]);
        assert!(problem(&no_code).contains("no local authority district code property"));
        let projected = collection(&[square("E09000001", 530000.0, 180000.0)]);
        assert!(problem(&projected).contains("British National Grid"));
        let bow_tie = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"LAD22CD":"E1","LAD22NM":"x"},"geometry":{"type":"Polygon","coordinates":[[[0,51],[1,52],[1,51],[0,52],[0,51]]]}}]}"#;
        assert!(problem(bow_tie).starts_with("feature 1 (E1 x): invalid geometry"));
        let twice = collection(&[square("E1", 0.0, 51.0), square("E1", 1.0, 51.0)]);
        assert_eq!(problem(&twice), "`E1` appears twice");
    }
}

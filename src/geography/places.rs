//! Placed points kept between runs, one file per boundaries file (named by its SHA-256), so a
//! monthly run places only the points it has not seen. A missing, unreadable or foreign file
//! is an empty cache, never an error; the file is replaced atomically.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use super::{Geography, Place};

/// Bumped whenever placing changes (the snap distance, the tie rule).
const MAGIC: &[u8; 16] = b"stopsearch-pl-v1";

/// One record: longitude bits, latitude bits, place (0 outside; 2i+1 inside i; 2i+2 snapped to i).
const RECORD: usize = 20;

pub struct Cache {
    path: Option<PathBuf>,
    known: HashMap<(u64, u64), Place, foldhash::fast::FixedState>,
    added: usize,
}

fn encode(p: Place) -> u32 {
    match p {
        Place::Outside => 0,
        Place::Inside(i) => 2 * i + 1,
        Place::Snapped(i) => 2 * i + 2,
    }
}

fn decode(v: u32, districts: usize) -> Option<Place> {
    let p = match v {
        0 => Place::Outside,
        v if v % 2 == 1 => Place::Inside((v - 1) / 2),
        v => Place::Snapped((v - 2) / 2),
    };
    p.lad()
        .is_none_or(|i| (i as usize) < districts)
        .then_some(p)
}

impl Cache {
    pub fn open(g: &Geography) -> Cache {
        let path = g
            .cache
            .as_ref()
            .map(|dir| dir.join(format!("places-{}.bin", &g.boundaries.sha256[..16])));
        let mut known = HashMap::default();
        if let Some(bytes) = path.as_ref().and_then(|p| std::fs::read(p).ok())
            && let Some(body) = bytes.strip_prefix(MAGIC.as_slice())
            && body.len() % RECORD == 0
        {
            let districts = g.boundaries.lads.len();
            for r in body.chunks_exact(RECORD) {
                let word = |a: usize| u64::from_le_bytes(r[a..a + 8].try_into().expect("8 bytes"));
                let v = u32::from_le_bytes(r[16..20].try_into().expect("4 bytes"));
                let Some(place) = decode(v, districts) else {
                    known.clear();
                    break;
                };
                known.insert((word(0), word(8)), place);
            }
        }
        Cache {
            path,
            known,
            added: 0,
        }
    }

    pub fn get(&self, key: (u64, u64)) -> Option<Place> {
        self.known.get(&key).copied()
    }

    pub fn add(&mut self, key: (u64, u64), p: Place) {
        self.known.insert(key, p);
        self.added += 1;
    }

    /// Writes the cache if it learned anything; a failure is logged, not fatal.
    pub fn save(&self) {
        let Some(path) = &self.path else { return };
        if self.added == 0 {
            return;
        }
        let mut entries: Vec<_> = self.known.iter().collect();
        entries.sort_unstable_by_key(|(k, _)| **k);
        let mut bytes = Vec::with_capacity(MAGIC.len() + entries.len() * RECORD);
        bytes.extend_from_slice(MAGIC);
        for ((lon, lat), p) in entries {
            bytes.extend_from_slice(&lon.to_le_bytes());
            bytes.extend_from_slice(&lat.to_le_bytes());
            bytes.extend_from_slice(&encode(*p).to_le_bytes());
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::File::create(&tmp))
            .and_then(|mut f| f.write_all(&bytes).and_then(|()| f.sync_all()))
            .and_then(|()| std::fs::rename(&tmp, path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            tracing::warn!(file = %path.display(), error = %e, "could not save the placed-points cache");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_round_trip_and_foreign_indexes_are_refused() {
        for p in [
            Place::Outside,
            Place::Inside(0),
            Place::Inside(330),
            Place::Snapped(7),
        ] {
            assert_eq!(decode(encode(p), 331), Some(p));
        }
        assert_eq!(decode(encode(Place::Inside(331)), 331), None);
    }
}

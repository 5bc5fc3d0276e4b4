//! The settings file for scheduled runs (`stopsearch run --config stopsearch.toml`). Every key
//! has a command-line flag of the same meaning; flags given on the command line win.
//! Relative paths in the file are relative to the file's folder, so cron can run from anywhere.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// `stopsearch.toml`. Unknown keys are errors, so a typo never silently does nothing.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Files or folders to read (the fetch folder, if any, is added).
    #[serde(default)]
    pub inputs: Vec<PathBuf>,
    pub out: Option<PathBuf>,
    pub cache: Option<PathBuf>,
    #[serde(default)]
    pub no_cache: bool,
    /// Force ids in scope (default all 44).
    #[serde(default)]
    pub forces: Vec<String>,
    /// The last N months that have data.
    pub months: Option<u32>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// 2021 or 2011.
    pub census: Option<u16>,
    pub population: Option<PathBuf>,
    pub reference: Option<String>,
    #[serde(default)]
    pub merge_city_into_met: bool,
    pub queries: Option<PathBuf>,
    #[serde(default)]
    pub mappings: Vec<PathBuf>,
    /// Draw the charts and write the report (default true).
    pub charts: Option<bool>,
    #[serde(default)]
    pub keep_going: bool,
    pub max_file_mib: Option<u64>,
    /// Where to write the machine-readable summary of the run.
    pub summary_json: Option<PathBuf>,
    pub fetch: Option<FetchSection>,
    #[serde(default)]
    pub thresholds: Thresholds,
}

/// `[fetch]`: download from data.police.uk before the run.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchSection {
    /// Folder the downloads go to; it is read by the run.
    pub data: PathBuf,
    pub base_url: Option<String>,
    /// Monthly archive zip URLs to download as well.
    #[serde(default)]
    pub archives: Vec<String>,
    pub max_attempts: Option<u32>,
    pub timeout_seconds: Option<u64>,
    /// Re-download (or re-validate) months already fetched.
    #[serde(default)]
    pub refresh: bool,
}

/// `[thresholds]`: data-quality limits above which a successful run exits with code 1.
#[derive(Debug, Default, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Largest acceptable share of rows rejected, e.g. 0.01 for 1%.
    pub max_reject_share: Option<f64>,
    /// Warn when a force in scope has no data for the latest month of the run.
    #[serde(default)]
    pub require_latest_month: bool,
}

impl ConfigFile {
    pub fn load(path: &Path) -> Result<ConfigFile> {
        let fail = |message: String| Error::Config {
            file: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let mut file: ConfigFile = toml::from_str(&text).map_err(|e| fail(e.to_string()))?;
        if let Some(share) = file.thresholds.max_reject_share
            && !(0.0..=1.0).contains(&share)
        {
            return Err(fail(format!(
                "thresholds.max_reject_share = {share}: give a share between 0 and 1 (0.01 is 1%)"
            )));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        file.resolve(base);
        Ok(file)
    }

    /// Makes every relative path relative to `base`, the config file's folder.
    fn resolve(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        self.inputs.iter_mut().for_each(fix);
        self.mappings.iter_mut().for_each(fix);
        for p in [
            &mut self.out,
            &mut self.cache,
            &mut self.population,
            &mut self.queries,
            &mut self.summary_json,
        ]
        .into_iter()
        .flatten()
        {
            fix(p);
        }
        if let Some(f) = &mut self.fetch {
            fix(&mut f.data);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stopsearch.toml");
        std::fs::write(
            &path,
            "inputs = [\"data\", \"/abs\"]\nout = \"output\"\nmonths = 36\n\
             [fetch]\ndata = \"data\"\n[thresholds]\nmax_reject_share = 0.01\n",
        )
        .unwrap();
        let c = ConfigFile::load(&path).unwrap();
        assert_eq!(c.inputs, [dir.path().join("data"), PathBuf::from("/abs")]);
        assert_eq!(c.out, Some(dir.path().join("output")));
        assert_eq!(c.fetch.unwrap().data, dir.path().join("data"));
        assert_eq!(c.thresholds.max_reject_share, Some(0.01));
    }

    #[test]
    fn mistakes_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(&path, "outt = \"x\"\n").unwrap();
        let e = ConfigFile::load(&path).unwrap_err().to_string();
        assert!(e.contains("s.toml") && e.contains("outt"), "{e}");
        std::fs::write(&path, "[thresholds]\nmax_reject_share = 5\n").unwrap();
        let e = ConfigFile::load(&path).unwrap_err().to_string();
        assert!(e.contains("between 0 and 1"), "{e}");
    }
}

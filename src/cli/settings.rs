//! The settings file for scheduled runs (`stopsearch run --config stopsearch.toml`). Its keys
//! are the fields of [`RunOptions`], the same struct the command line fills, so every key has
//! a flag of the same meaning; flags given on the command line win. Relative paths in the file
//! are relative to the file's folder, so cron can run from anywhere.

use std::path::{Path, PathBuf};

use clap::Args;
use serde::{Deserialize, Serialize};

use super::run::RunOptions;
use crate::error::{Error, Result};

/// `[fetch]`: download from data.police.uk before the run (settings file only).
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
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
    /// Also download the ONS district boundaries into `data/boundaries/` if they are not there
    /// (or with `refresh`), and place searches in them when `boundaries` is not set.
    #[serde(default)]
    pub boundaries: bool,
    /// ArcGIS REST services root for the boundary layers (default: the ONS Open Geography
    /// Portal's).
    pub boundaries_base_url: Option<String>,
}

/// `[thresholds]`: data-quality limits above which a successful run exits with code 1.
#[derive(Debug, Default, Clone, PartialEq, Args, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// Exit with code 1 if more than this share of rows is rejected (e.g. 0.01 for 1%).
    #[arg(long, value_name = "SHARE")]
    pub max_reject_share: Option<f64>,
    /// Exit with code 1 if a force in scope has no data for the run's latest month.
    #[arg(long)]
    pub require_latest_month: bool,
    /// Exit with code 1 if, in the latest financial year against the year before, a group's
    /// rate ratio against the reference group (for a force or England and Wales, all searches
    /// or one search group) rose to at least this multiple of its old level with an interval
    /// above no change (1 for any clear rise).
    #[arg(long, value_name = "MULTIPLE")]
    pub alert_ratio_rise: Option<f64>,
    /// Exit with code 1 if a group's share of disposals dealt with out of court fell by at
    /// least this much (0.05 for 5 points) with an interval below no change (0 for any clear
    /// fall).
    #[arg(long, value_name = "SHARE")]
    pub alert_out_of_court_fall: Option<f64>,
}

/// The `summary_json` a settings file names, read line by line without parsing the whole file,
/// so a run whose settings have an error elsewhere still writes its failure where monitoring
/// looks. Only a top-level `summary_json = "..."` line counts (relative to the file's folder).
pub fn summary_json_line(path: &Path) -> Option<std::path::PathBuf> {
    let text = std::fs::read_to_string(path).ok()?;
    let value = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with('['))
        .find_map(|l| {
            let (key, value) = l.split_once('=')?;
            (key.trim() == "summary_json").then(|| value.trim())
        })?;
    let value = value.split('#').next()?.trim();
    let unquoted = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))?;
    let p = Path::new(unquoted);
    Some(if p.is_absolute() {
        p.to_path_buf()
    } else {
        path.parent().unwrap_or(Path::new(".")).join(p)
    })
}

/// Reads a settings file into the options it sets. Unknown keys are errors, so a typo never
/// silently does nothing.
pub fn load(path: &Path) -> Result<RunOptions> {
    let fail = |message: String| Error::Config {
        file: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let mut table: toml::Table = toml::from_str(&text).map_err(|e| fail(e.to_string()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    resolve(&mut table, base);
    let options: RunOptions = toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| fail(e.to_string()))?;
    if let Some(share) = options.thresholds.max_reject_share
        && !(0.0..=1.0).contains(&share)
    {
        return Err(fail(format!(
            "thresholds.max_reject_share = {share}: give a share between 0 and 1 (0.01 is 1%)"
        )));
    }
    Ok(options)
}

/// Makes every relative path in the file relative to `base`, the file's folder. Which keys
/// are paths is read from the options' own declarations (their value hints), so a new path
/// option needs nothing here.
fn resolve(table: &mut toml::Table, base: &Path) {
    let fix = |v: &mut toml::Value| {
        if let toml::Value::String(s) = v
            && Path::new(s.as_str()).is_relative()
        {
            *s = base.join(s.as_str()).to_string_lossy().into_owned();
        }
    };
    for key in RunOptions::path_keys() {
        match table.get_mut(&key) {
            Some(toml::Value::Array(items)) => items.iter_mut().for_each(fix),
            Some(v) => fix(v),
            None => {}
        }
    }
    if let Some(toml::Value::Table(fetch)) = table.get_mut("fetch")
        && let Some(data) = fetch.get_mut("data")
    {
        fix(data);
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
             mappings = [\"m.toml\"]\nreference = \"White\"\n\
             [fetch]\ndata = \"data\"\n[thresholds]\nmax_reject_share = 0.01\n",
        )
        .unwrap();
        let c = load(&path).unwrap();
        assert_eq!(c.inputs, [dir.path().join("data"), PathBuf::from("/abs")]);
        assert_eq!(c.out, Some(dir.path().join("output")));
        assert_eq!(c.mappings, [dir.path().join("m.toml")]);
        // Not a path.
        assert_eq!(c.reference.as_deref(), Some("White"));
        assert_eq!(c.fetch.unwrap().data, dir.path().join("data"));
        assert_eq!(c.thresholds.max_reject_share, Some(0.01));
    }

    #[test]
    fn mistakes_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(&path, "outt = \"x\"\n").unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("s.toml") && e.contains("outt"), "{e}");
        std::fs::write(&path, "[thresholds]\nmax_reject_share = 5\n").unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("between 0 and 1"), "{e}");
    }
}

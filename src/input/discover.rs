//! Discover: turn the paths given on the command line into a list of force-month sources.
//!
//! Force and month come from file names, never from timestamps (a month's file holds rows from
//! the last evening of the previous month, in UTC). When two inputs carry the same force-month,
//! one is kept by the rule in [`Stored::rank`] and the other is recorded as superseded.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, FileProblem, Result};
use crate::input::source::{FileSource, InputFile, Problem, Skipped, Source, Stored};
use crate::reference::forces::{self, Force};
use crate::reference::month::Month;

#[derive(Debug, Default)]
pub struct Discovery {
    /// Sources to read, sorted by force then month.
    pub sources: Vec<FileSource>,
    /// Sources not read because another input carries the same force-month: (source, id of
    /// the source kept).
    pub superseded: Vec<(Source, String)>,
    pub skipped: Vec<Skipped>,
    pub problems: Vec<Problem>,
    /// Every file found, in the order found.
    pub files: Vec<InputFile>,
    /// Force or FOI extracts, each with the mapping it is read through.
    pub extracts: Vec<crate::input::extract::ExtractInput>,
    /// When every file found lies outside the month window: how many, and the months they
    /// cover, for the message.
    pub outside_window: Option<(usize, Option<Month>, Option<Month>)>,
}

/// Options that change how names are read.
#[derive(Debug, Clone, Default)]
pub struct NameOverride {
    /// Force and month for files whose names do not say (`--force`, `--month`).
    pub force: Option<&'static Force>,
    pub month: Option<Month>,
}

/// Which file names are data.police.uk stop-and-search data.
#[derive(Debug, PartialEq, Eq)]
enum Name {
    /// `YYYY-MM-<force>-stop-and-search.csv[.gz]`.
    StopSearchCsv {
        month: Month,
        force: String,
        gzip: bool,
    },
    /// `stops-force_<force>_<YYYY-MM>.json[.gz]`.
    StopsForceJson {
        month: Month,
        force: String,
        gzip: bool,
    },
    /// Any other CSV or JSON name.
    OtherData {
        json: bool,
        gzip: bool,
    },
    /// An Excel workbook: only ever a force extract.
    Spreadsheet,
    /// `YYYY-MM-<force>-street.csv` and `-outcomes.csv`: other datasets from the same archive.
    SiblingDataset,
    Zip,
    /// Not data (README, SOURCES.md, ...).
    NotData,
}

fn classify(file_name: &str) -> Name {
    // `stopsearch fetch`'s record of what it downloaded lives beside the downloads.
    if file_name == crate::input::fetch::LOG_FILE {
        return Name::NotData;
    }
    let (stem, gzip) = match file_name.strip_suffix(".gz") {
        Some(stem) => (stem, true),
        None => (file_name, false),
    };
    if let Some(base) = stem.strip_suffix(".csv") {
        if let Some(rest) = base.strip_suffix("-stop-and-search")
            && let Some((month, force)) = split_month_prefix(rest)
        {
            return Name::StopSearchCsv {
                month,
                force: force.to_owned(),
                gzip,
            };
        }
        if (base.ends_with("-street") || base.ends_with("-outcomes"))
            && split_month_prefix(base).is_some()
        {
            return Name::SiblingDataset;
        }
        return Name::OtherData { json: false, gzip };
    }
    if let Some(base) = stem.strip_suffix(".json") {
        if let Some(rest) = base.strip_prefix("stops-force_")
            && let Some((force, month)) = rest.rsplit_once('_')
            && let Ok(month) = month.parse()
        {
            return Name::StopsForceJson {
                month,
                force: force.to_owned(),
                gzip,
            };
        }
        return Name::OtherData { json: true, gzip };
    }
    if !gzip && stem.ends_with(".zip") {
        return Name::Zip;
    }
    if !gzip && stem.to_ascii_lowercase().ends_with(".xlsx") {
        return Name::Spreadsheet;
    }
    Name::NotData
}

/// A member name that is absolute (`/x`, `\x`, `C:x`) or has a `..` component, with `/` or
/// `\` as separators. The zip crate's own check lets `a/../x`, `/x` and backslash paths
/// through (they stay inside a folder it would extract to); members are never extracted here,
/// but such a name is no data.police.uk archive's and is refused, as documented.
fn unsafe_member_name(member: &str) -> bool {
    let bytes = member.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    member.starts_with(['/', '\\']) || drive || member.split(['/', '\\']).any(|c| c == "..")
}

/// `2022-09-metropolitan` → (2022-09, `metropolitan`).
fn split_month_prefix(s: &str) -> Option<(Month, &str)> {
    let month = s.get(..7)?.parse().ok()?;
    let rest = s.get(7..)?.strip_prefix('-')?;
    (!rest.is_empty()).then_some((month, rest))
}

/// A file found under the inputs.
struct Found {
    path: PathBuf,
    id: String,
    /// Named on the command line itself, not found in a folder.
    explicit: bool,
    size: u64,
}

/// Walks the inputs. `Err` only for a path that does not exist or cannot be listed; problems
/// with individual files are collected in [`Discovery::problems`].
pub fn discover(
    inputs: &[PathBuf],
    names: &NameOverride,
    mappings: &[crate::input::extract::Mapping],
) -> Result<Discovery> {
    let found = find_files(inputs)?;
    let mut d = Discovery::default();
    let mut candidates = Vec::new();
    for file in found {
        sort_file(file, names, mappings, &mut candidates, &mut d);
    }
    resolve_duplicates(candidates, &mut d);
    Ok(d)
}

/// Every file the inputs name: the files given, and the files in the folders given, in the
/// order given. `Err` for an input that does not exist or a folder that cannot be listed.
fn find_files(inputs: &[PathBuf]) -> Result<Vec<Found>> {
    let mut found = Vec::new();
    for input in inputs {
        let meta = fs::metadata(input).map_err(|_| Error::InputNotFound {
            path: input.clone(),
        })?;
        let root = input.parent().unwrap_or(Path::new(""));
        if meta.is_dir() {
            walk(input, root, &mut found)?;
        } else {
            found.push(Found {
                path: input.clone(),
                id: relative_id(input, root),
                explicit: true,
                size: meta.len(),
            });
        }
    }
    Ok(found)
}

/// Sorts one found file by its name: an archive (its members become candidates), a force
/// extract, a force-month candidate, a skipped file or a problem.
fn sort_file(
    file: Found,
    names: &NameOverride,
    mappings: &[crate::input::extract::Mapping],
    candidates: &mut Vec<FileSource>,
    d: &mut Discovery,
) {
    let name = file
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let classified = classify(&name);
    if classified == Name::Zip {
        d.files.push(InputFile {
            id: file.id.clone(),
            path: file.path.clone(),
            size: file.size,
            is_archive: true,
        });
        list_archive(&file.path, &file.id, candidates, d);
        return;
    }
    if let Some(mapping) = extract_mapping(&classified, &name, file.explicit, mappings) {
        d.files.push(InputFile {
            id: file.id.clone(),
            path: file.path.clone(),
            size: file.size,
            is_archive: false,
        });
        d.extracts.push(crate::input::extract::ExtractInput {
            id: file.id,
            path: file.path,
            size: file.size,
            mapping,
        });
        return;
    }
    let is_data = !matches!(
        classified,
        Name::NotData | Name::SiblingDataset | Name::Spreadsheet
    );
    if is_data || file.explicit {
        d.files.push(InputFile {
            id: file.id.clone(),
            path: file.path.clone(),
            size: file.size,
            is_archive: false,
        });
    }
    match named_source(classified, &file, names, d) {
        Some(Ok(source)) => candidates.push(source),
        Some(Err(p)) => d.problems.push(p),
        None => {}
    }
}

/// The mapping a file is read through when it is a force extract: a file a mapping names, or
/// any other CSV or workbook given by name when there is exactly one mapping.
fn extract_mapping(
    classified: &Name,
    name: &str,
    explicit: bool,
    mappings: &[crate::input::extract::Mapping],
) -> Option<usize> {
    if !matches!(
        classified,
        Name::OtherData { json: false, .. } | Name::Spreadsheet | Name::NotData
    ) {
        return None;
    }
    mappings
        .iter()
        .position(|m| m.applies_to(name))
        .or_else(|| {
            (explicit && mappings.len() == 1 && !matches!(classified, Name::NotData)).then_some(0)
        })
}

/// The force-month source a file's name (or `--force` and `--month`) makes of it; `None` for
/// a file that is not one and is no problem either (a sibling dataset is recorded as skipped).
fn named_source(
    classified: Name,
    file: &Found,
    names: &NameOverride,
    d: &mut Discovery,
) -> Option<Result<FileSource, Problem>> {
    let Found {
        path,
        id,
        explicit,
        size,
    } = file;
    let source = |kind, force: &str, month| {
        resolve_force(force, path, id).map(|force| FileSource {
            id: id.clone(),
            path: path.clone(),
            kind,
            force,
            month,
            size: *size,
        })
    };
    match classified {
        Name::StopSearchCsv { month, force, gzip } => {
            Some(source(Stored::Csv { gzip }, &force, month))
        }
        Name::StopsForceJson { month, force, gzip } => {
            Some(source(Stored::Json { gzip }, &force, month))
        }
        Name::OtherData { json, gzip } => Some(match (names.force, names.month) {
            (Some(force), Some(month)) => {
                let kind = if json {
                    Stored::Json { gzip }
                } else {
                    Stored::Csv { gzip }
                };
                source(kind, force.id, month)
            }
            _ => Err(problem(id, path, FileProblem::UnrecognisedName)),
        }),
        Name::SiblingDataset => {
            d.skipped.push(Skipped {
                id: id.clone(),
                reason: "another data.police.uk dataset (street crime or outcomes)".into(),
            });
            None
        }
        Name::NotData | Name::Spreadsheet if *explicit => {
            Some(Err(problem(id, path, FileProblem::UnrecognisedName)))
        }
        Name::NotData | Name::Spreadsheet => None,
        Name::Zip => unreachable!("handled above"),
    }
}

fn problem(id: &str, path: &Path, problem: FileProblem) -> Problem {
    Problem {
        id: id.to_owned(),
        path: path.to_owned(),
        problem,
    }
}

fn resolve_force(force: &str, path: &Path, id: &str) -> Result<&'static Force, Problem> {
    forces::by_id(force).ok_or_else(|| problem(id, path, FileProblem::UnknownForce(force.into())))
}

fn relative_id(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Recursive listing in name order, so discovery does not depend on the file system's order.
/// Hidden entries are ignored; symbolic links to directories are not followed (no cycles).
fn walk(dir: &Path, root: &Path, out: &mut Vec<Found>) -> Result<()> {
    let listing_error = |e: std::io::Error| Error::File {
        file: relative_id(dir, root),
        problem: FileProblem::read(e),
    };
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(listing_error)?
        .collect::<std::io::Result<_>>()
        .map_err(listing_error)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let is_link = entry.file_type().map(|t| t.is_symlink()).unwrap_or(false);
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if !is_link {
                walk(&path, root, out)?;
            }
        } else if meta.is_file() {
            let id = relative_id(&path, root);
            out.push(Found {
                path,
                id,
                explicit: false,
                size: meta.len(),
            });
        }
    }
    Ok(())
}

/// Lists the stop-and-search members of a data.police.uk archive. Other datasets in the
/// archive are skipped; member names that would escape a directory are refused.
fn list_archive(path: &Path, id: &str, candidates: &mut Vec<FileSource>, d: &mut Discovery) {
    let archive = fs::File::open(path)
        .map_err(FileProblem::read)
        .and_then(|f| {
            zip::ZipArchive::new(f).map_err(|e| FileProblem::Corrupt {
                format: "zip",
                message: e.to_string(),
            })
        });
    let mut archive = match archive {
        Ok(a) => a,
        Err(p) => {
            d.problems.push(problem(id, path, p));
            return;
        }
    };
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(i) else {
            d.problems.push(problem(
                id,
                path,
                FileProblem::Corrupt {
                    format: "zip",
                    message: format!("unreadable directory entry {i}"),
                },
            ));
            continue;
        };
        let Ok(member) = entry.name().map(|n| n.into_owned()) else {
            d.problems.push(problem(
                id,
                path,
                FileProblem::Corrupt {
                    format: "zip",
                    message: format!("undecodable name of entry {i}"),
                },
            ));
            continue;
        };
        let member_id = format!("{id}!{member}");
        if entry.is_dir() {
            continue;
        }
        if entry.enclosed_name().is_none() || unsafe_member_name(&member) {
            d.problems.push(problem(
                &member_id,
                path,
                FileProblem::read("member path is absolute or contains `..`; refused"),
            ));
            continue;
        }
        let base = member.rsplit('/').next().unwrap_or(&member);
        match classify(base) {
            Name::StopSearchCsv {
                month,
                force,
                gzip: false,
            } => match resolve_force(&force, path, &member_id) {
                Ok(force) => candidates.push(FileSource {
                    id: member_id,
                    path: path.to_owned(),
                    kind: Stored::ZipMember {
                        archive: path.to_owned(),
                        member,
                    },
                    force,
                    month,
                    size: entry.compressed_size(),
                }),
                Err(p) => d.problems.push(p),
            },
            _ => d.skipped.push(Skipped {
                id: member_id,
                reason: "not a stop-and-search file".to_owned(),
            }),
        }
    }
}

fn resolve_duplicates(candidates: Vec<FileSource>, d: &mut Discovery) {
    let mut by_key: BTreeMap<(usize, Month), Vec<FileSource>> = BTreeMap::new();
    for source in candidates {
        let key = (
            forces::index_of(source.force.id).unwrap_or(usize::MAX),
            source.month,
        );
        by_key.entry(key).or_default().push(source);
    }
    for (_, mut group) in by_key {
        group.sort_by(|a, b| (a.kind.rank(), &a.id).cmp(&(b.kind.rank(), &b.id)));
        let kept = group.pop().expect("groups are never empty");
        for other in group {
            d.superseded.push((other.into(), kept.id.clone()));
        }
        d.sources.push(kept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            classify("2022-09-metropolitan-stop-and-search.csv.gz"),
            Name::StopSearchCsv {
                month: "2022-09".parse().unwrap(),
                force: "metropolitan".into(),
                gzip: true
            }
        );
        assert_eq!(
            classify("2016-06-avon-and-somerset-stop-and-search.csv"),
            Name::StopSearchCsv {
                month: "2016-06".parse().unwrap(),
                force: "avon-and-somerset".into(),
                gzip: false
            }
        );
        assert_eq!(
            classify("stops-force_metropolitan_2024-09.json.gz"),
            Name::StopsForceJson {
                month: "2024-09".parse().unwrap(),
                force: "metropolitan".into(),
                gzip: true
            }
        );
        assert_eq!(classify("2022-09-kent-street.csv"), Name::SiblingDataset);
        assert_eq!(classify("2022-09-kent-outcomes.csv"), Name::SiblingDataset);
        assert_eq!(
            classify("searches.csv"),
            Name::OtherData {
                json: false,
                gzip: false
            }
        );
        assert_eq!(
            classify("2022-13-kent-stop-and-search.csv"),
            Name::OtherData {
                json: false,
                gzip: false
            }
        );
        assert_eq!(classify("2024-10.zip"), Name::Zip);
        assert_eq!(classify("README.md"), Name::NotData);
        assert_eq!(classify("fetch-log.json"), Name::NotData);
    }

    #[test]
    fn escaping_member_names() {
        for bad in [
            "/2016-06/x.csv",
            "\\x.csv",
            "\\\\server\\share\\x.csv",
            "C:x.csv",
            "a/../x.csv",
            "..\\x.csv",
            "a\\..\\..\\x.csv",
        ] {
            assert!(unsafe_member_name(bad), "{bad}");
        }
        for good in [
            "2016-06/2016-06-metropolitan-stop-and-search.csv",
            "a..b/x.csv",
            "x..csv",
        ] {
            assert!(!unsafe_member_name(good), "{good}");
        }
    }
}

//! Atomic publish: a run builds its output in a staging folder next to the output folder and
//! swaps it in at the end, under a lock, so that readers (and a run killed at any moment) only
//! ever see a complete previous output or a complete new one.
//!
//! Beside `OUT` live `.OUT.lock` (held for the whole run), `.OUT.staging-<pid>` (the output
//! being built) and, for a moment during the swap on file systems without an atomic exchange,
//! `.OUT.previous-<pid>`.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use tracing::{debug, info, warn};

use crate::error::{Error, Result};

/// A run's claim on an output folder: the lock, and the staging folder it writes into.
#[derive(Debug)]
pub struct Publisher {
    out: PathBuf,
    staging: PathBuf,
    /// Held until the publisher is dropped; the OS releases it if the process dies.
    _lock: File,
    published: bool,
}

/// The folder that holds `out` and its siblings, and the name they are derived from.
fn parent_and_name(out: &Path) -> Result<(PathBuf, String)> {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| n != "." && n != "..")
        .ok_or_else(|| {
            Error::Usage(format!(
                "--out {}: name a folder (not `.`, `..` or a root) so the new output can be \
                 swapped in beside it",
                out.display()
            ))
        })?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

/// Where the parse cache goes by default: beside the output, so that swapping a new output in
/// never throws the cache away.
pub fn default_cache(out: &Path) -> PathBuf {
    match parent_and_name(out) {
        Ok((parent, name)) => parent.join(format!(".{name}.cache")),
        Err(_) => out.join(".cache"),
    }
}

/// The lock file guarding `out`.
pub fn lock_path(out: &Path) -> Result<PathBuf> {
    let (parent, name) = parent_and_name(out)?;
    Ok(parent.join(format!(".{name}.lock")))
}

impl Publisher {
    /// Takes the lock on `out` (failing at once if another run holds it), puts back an output
    /// a killed run left mid-swap, clears stale staging folders and creates a fresh one.
    pub fn begin(out: &Path) -> Result<Publisher> {
        let (parent, name) = parent_and_name(out)?;
        fs::create_dir_all(&parent).map_err(Error::write(&parent))?;
        if out.exists() && !out.is_dir() {
            return Err(Error::Publish(format!(
                "{} exists and is not a folder",
                out.display()
            )));
        }
        let lock_path = parent.join(format!(".{name}.lock"));
        let mut lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(Error::write(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = lock.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(Error::Locked {
                    out: out.to_path_buf(),
                    lock: lock_path,
                    holder: if holder.is_empty() {
                        "another process".to_owned()
                    } else {
                        holder.to_owned()
                    },
                });
            }
            Err(fs::TryLockError::Error(e)) => return Err(Error::write(&lock_path)(e)),
        }
        // Who holds it, for the message the next run prints.
        let _ = lock.set_len(0);
        let _ = lock.rewind();
        let _ = write!(
            lock,
            "stopsearch run, process {}, since {}",
            std::process::id(),
            crate::reference::month::now()
        );

        recover(&parent, &name, out)?;
        let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(Error::write(&staging))?;
        }
        fs::create_dir(&staging).map_err(Error::write(&staging))?;
        debug!(staging = %staging.display(), "building the output in a staging folder");
        Ok(Publisher {
            out: out.to_path_buf(),
            staging,
            _lock: lock,
            published: false,
        })
    }

    /// Where this run writes everything it publishes.
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Swaps the staging folder in as the output, in one atomic step where the file system can
    /// exchange two names (Linux `renameat2`), else in two renames that the next run repairs if
    /// it is killed between them.
    pub fn publish(mut self) -> Result<()> {
        let clock = std::time::Instant::now();
        sync_tree(&self.staging)?;
        tracing::debug!(elapsed = ?clock.elapsed(), "flushed to disk");
        let (parent, name) = parent_and_name(&self.out)?;
        if !self.out.exists() {
            fs::rename(&self.staging, &self.out).map_err(Error::write(&self.out))?;
        } else if exchange(&self.staging, &self.out).is_ok() {
            // The staging name now holds the previous output.
            remove_quietly(&self.staging);
        } else {
            let previous = parent.join(format!(".{name}.previous-{}", std::process::id()));
            fs::rename(&self.out, &previous).map_err(Error::write(&previous))?;
            if let Err(e) = fs::rename(&self.staging, &self.out) {
                // Put the previous output back before reporting.
                let _ = fs::rename(&previous, &self.out);
                return Err(Error::write(&self.out)(e));
            }
            remove_quietly(&previous);
        }
        sync_dir(&parent);
        self.published = true;
        info!(out = %self.out.display(), "published");
        Ok(())
    }
}

impl Drop for Publisher {
    /// A run that fails leaves the previous output as it was and no staging folder behind.
    fn drop(&mut self) {
        if !self.published && self.staging.exists() {
            remove_quietly(&self.staging);
        }
    }
}

/// Repairs what a killed run can leave: an output moved aside mid-swap is put back, and
/// staging folders of dead runs are removed. Runs under the lock, so no live run owns them.
fn recover(parent: &Path, name: &str, out: &Path) -> Result<()> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    let staging = format!(".{name}.staging-");
    let previous = format!(".{name}.previous-");
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if file_name.starts_with(&previous) {
            if out.exists() {
                remove_quietly(&path);
            } else {
                warn!(from = %path.display(), "putting back the output a killed run moved aside");
                fs::rename(&path, out).map_err(Error::write(out))?;
            }
        } else if file_name.starts_with(&staging) {
            debug!(path = %path.display(), "removing a killed run's staging folder");
            remove_quietly(&path);
        }
    }
    Ok(())
}

/// Exchanges two paths atomically (both must exist).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths, relative to the current directory.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Flushes every file of the new output to disk before it becomes the output, so a power cut
/// after the swap cannot leave it half-written.
///
/// On Linux one `syncfs` flushes the whole file system the output is on: a file at a time,
/// the thousands of charts each waited for a journal commit of their own (5 s of a run).
fn sync_tree(dir: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let d = File::open(dir).map_err(Error::write(dir))?;
        // SAFETY: a valid open descriptor; the call only flushes its file system.
        if unsafe { libc::syncfs(d.as_raw_fd()) } == 0 {
            return Ok(());
        }
    }
    sync_each(dir)
}

fn sync_each(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir).map_err(Error::write(dir))? {
        let path = entry.map_err(Error::write(dir))?.path();
        if path.is_dir() {
            sync_each(&path)?;
        } else {
            File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(Error::write(&path))?;
        }
    }
    sync_dir(dir);
    Ok(())
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

fn remove_quietly(path: &Path) {
    if let Err(e) = fs::remove_dir_all(path) {
        warn!(path = %path.display(), "could not remove: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    fs::read(&p).unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn publishes_first_and_later_outputs_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        for round in ["one", "two"] {
            let p = Publisher::begin(&out).unwrap();
            fs::write(p.staging().join("a.txt"), round).unwrap();
            p.publish().unwrap();
            assert_eq!(
                files(&out),
                [("a.txt".to_owned(), round.as_bytes().to_vec())]
            );
        }
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|n| n == "out" || n == ".out.lock"),
            "{names:?}"
        );
    }

    #[test]
    fn a_failed_run_leaves_the_previous_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let p = Publisher::begin(&out).unwrap();
        fs::write(p.staging().join("a.txt"), "good").unwrap();
        p.publish().unwrap();
        let p = Publisher::begin(&out).unwrap();
        fs::write(p.staging().join("a.txt"), "half").unwrap();
        let staging = p.staging().to_path_buf();
        drop(p);
        assert!(!staging.exists());
        assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), "good");
    }

    #[test]
    fn the_second_run_is_refused_while_the_first_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let first = Publisher::begin(&out).unwrap();
        let err = Publisher::begin(&out).unwrap_err();
        assert!(matches!(err, Error::Locked { .. }), "{err}");
        assert!(err.to_string().contains("another stopsearch run"), "{err}");
        drop(first);
        Publisher::begin(&out).unwrap();
    }

    #[test]
    fn an_output_moved_aside_by_a_killed_run_is_put_back() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let aside = dir.path().join(".out.previous-999999");
        fs::create_dir(&aside).unwrap();
        fs::write(aside.join("a.txt"), "previous").unwrap();
        let stale = dir.path().join(".out.staging-999998");
        fs::create_dir(&stale).unwrap();
        let p = Publisher::begin(&out).unwrap();
        assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), "previous");
        assert!(!aside.exists() && !stale.exists());
        drop(p);
    }

    #[test]
    fn the_cache_lives_beside_the_output() {
        assert_eq!(
            default_cache(Path::new("/data/output")),
            Path::new("/data/.output.cache")
        );
        assert_eq!(
            default_cache(Path::new("output")),
            Path::new("./.output.cache")
        );
        assert!(Publisher::begin(Path::new("/")).is_err());
    }
}

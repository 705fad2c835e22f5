//! The files a run writes: PETSc's viewers named in the options database
//! (`-solution_view vtk:u.vts`, `-ksp_monitor :m.txt`, `-log_view :log.txt`...)
//! and the pictures. They are found before anything is computed and checked
//! on the ranks that write them; each is then written under a hidden name in
//! its own directory and renamed over its target only once the run has not
//! failed, so a failed run never replaces or truncates a file. A target that
//! is a device or a pipe (`/dev/null`, `/dev/full`) cannot be replaced: its
//! output is staged in the temporary directory and copied into it.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use mpi::traits::*;
use petsc::{Petsc, Result};

use crate::agreement::Agreement;
use crate::config::PICTURE_OPTIONS;

/// Viewer types that write a file PETSc names from the option's value.
const FILE_VIEWERS: [&str; 5] = ["", "ascii", "binary", "vtk", "hdf5"];

/// Companion files PETSc writes beside a target (`binary:` adds `.info`).
const COMPANIONS: [&str; 1] = [".info"];

struct Output {
    option: String,
    target: PathBuf,
    staged: PathBuf,
    /// Written into (a device, a pipe), not replaced.
    into: bool,
    /// Every rank writes it (HDF5 through MPI-IO); otherwise only the first.
    all_ranks: bool,
}

/// The run's output files, staged until the run's outcome is known.
#[derive(Default)]
pub struct Outputs {
    files: Vec<Output>,
}

/// `type:file[:format[:mode]]` with a file-writing type: (type, file, the rest with its ':').
fn viewer_file(value: &str) -> Option<(&str, &str, &str)> {
    let (kind, rest) = value.split_once(':')?;
    let (file, tail) = rest.find(':').map_or((rest, ""), |at| rest.split_at(at));
    (FILE_VIEWERS.contains(&kind) && !file.is_empty()).then_some((kind, file, tail))
}

impl Outputs {
    /// Finds every output in the options database and stages it: PETSc's
    /// viewers are pointed to the staged names.
    pub fn stage(petsc: &Petsc) -> Result<Self> {
        // One name on every rank: the first rank's process id.
        let mut tag = std::process::id();
        petsc.world().process_at_rank(0).broadcast_into(&mut tag);
        let mut outputs = Outputs::default();
        for (option, value) in petsc.options()? {
            let Some(value) = value else { continue };
            let n = outputs.files.len();
            let stage =
                |file: &str, all_ranks| Output::staged(&option, file, format!(".poisson-{tag}-{n}-"), all_ranks);
            if PICTURE_OPTIONS.contains(&option.as_str()) {
                outputs.files.push(stage(&value, false));
            } else if let Some((kind, file, tail)) = viewer_file(&value) {
                let output = stage(file, kind == "hdf5");
                petsc.set_option(&option, &format!("{kind}:{}{tail}", output.staged.display()))?;
                outputs.files.push(output);
            }
        }
        Ok(outputs)
    }

    /// Checks, on the ranks that will write each output, that it can be
    /// written. Collective: every rank returns the same verdict.
    pub fn check(&self, petsc: &Petsc, agreement: &Agreement) -> Result<()> {
        let rank = petsc.rank();
        let problem = self
            .files
            .iter()
            .filter(|f| f.all_ranks || rank == 0)
            .find_map(|f| f.check(rank).err().map(|e| format!("{} {}: {e}", f.option, f.target.display())));
        agreement.refuse_if_any(problem)
    }

    /// Where the output of `option` is written until the run ends.
    pub fn staged(&self, option: &str) -> Option<&Path> {
        self.files.iter().find(|f| f.option == option).map(|f| f.staged.as_path())
    }

    /// A message with staged names put back to the targets'.
    pub fn explain(&self, message: &str) -> String {
        self.files
            .iter()
            .fold(message.to_string(), |m, f| m.replace(&*f.staged.to_string_lossy(), &f.target.to_string_lossy()))
    }

    /// The targets written so far (their staged files exist).
    pub fn written(&self) -> Vec<String> {
        self.files.iter().filter(|f| f.staged.exists()).map(|f| f.target.display().to_string()).collect()
    }

    /// Moves every staged file over its target (first rank only): first
    /// everything that can fail (each staged file on disk, the copies into
    /// devices), then the renames, so a failure replaces nothing. On an
    /// error, what is left staged is removed.
    pub fn commit(&self) -> std::result::Result<(), String> {
        let step = |f: &Output, action: fn(&Output) -> io::Result<()>| {
            action(f).map_err(|e| format!("{}: {e}", f.target.display()))
        };
        let result = self
            .files
            .iter()
            .try_for_each(|f| step(f, Output::secure))
            .and_then(|()| self.files.iter().try_for_each(|f| step(f, Output::replace)));
        if result.is_err() {
            self.discard();
        }
        result
    }

    /// Takes the outputs out of the options database, so that PETSc writes
    /// none of them while finalizing a run that failed (`-log_view`).
    pub fn withdraw(&self, petsc: &Petsc) -> Result<()> {
        self.files.iter().try_for_each(|f| petsc.clear_option(&f.option))
    }

    /// Removes every staged file: the targets stay as they were.
    pub fn discard(&self) {
        for f in &self.files {
            for companion in f.companions() {
                let _ = fs::remove_file(companion.0);
            }
        }
    }
}

impl Output {
    fn staged(option: &str, file: &str, prefix: String, all_ranks: bool) -> Self {
        let target = PathBuf::from(file);
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let into = fs::metadata(&target).is_ok_and(|m| !m.is_file() && !m.is_dir());
        // Beside the target (same file system, so renaming is atomic),
        // keeping its name's end: PETSc reads the format from it (.vts).
        let dir = if into { std::env::temp_dir() } else { parent(&target).to_path_buf() };
        Output { option: option.to_string(), staged: dir.join(format!("{prefix}{name}")), target, into, all_ranks }
    }

    /// Whether this rank can write the output: the target is no directory,
    /// and a file can be made where the staged one will be.
    fn check(&self, rank: usize) -> io::Result<()> {
        if self.target.is_dir() || self.target.as_os_str().is_empty() {
            return Err(io::Error::other("is a directory"));
        }
        if self.into {
            return OpenOptions::new().write(true).open(&self.target).map(drop);
        }
        let probe = self.staged.with_file_name(format!(".poisson-probe-{rank}-{}", std::process::id()));
        File::create_new(&probe).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", parent(&probe).display())))?;
        fs::remove_file(probe)
    }

    /// (staged, target) for the file and the companions PETSc wrote.
    fn companions(&self) -> impl Iterator<Item = (PathBuf, PathBuf)> + '_ {
        let with = |p: &Path, end: &str| PathBuf::from(format!("{}{end}", p.display()));
        std::iter::once((self.staged.clone(), self.target.clone()))
            .chain(COMPANIONS.iter().map(move |end| (with(&self.staged, end), with(&self.target, end))))
    }

    /// Puts what was staged on disk (a full disk fails here), or copies it
    /// into the target device.
    fn secure(&self) -> io::Result<()> {
        for (staged, target) in self.companions().filter(|(s, _)| s.exists()) {
            if self.into {
                let mut into = OpenOptions::new().write(true).open(&target)?;
                io::copy(&mut File::open(&staged)?, &mut into)?;
                io::Write::flush(&mut into)?;
                fs::remove_file(staged)?;
            } else {
                File::open(&staged)?.sync_all()?;
            }
        }
        Ok(())
    }

    /// Renames what was staged over the target.
    fn replace(&self) -> io::Result<()> {
        self.companions().filter(|(s, _)| s.exists()).try_for_each(|(staged, target)| fs::rename(staged, target))
    }
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewer_values_that_name_files() {
        assert_eq!(viewer_file("vtk:u.vts"), Some(("vtk", "u.vts", "")));
        assert_eq!(viewer_file(":m.txt:ascii_info_detail"), Some(("", "m.txt", ":ascii_info_detail")));
        assert_eq!(viewer_file("binary:/d/u.dat::append"), Some(("binary", "/d/u.dat", "::append")));
        for none in ["ascii", "ascii::ascii_info", "draw", "socket", "socket:5005", "saws:x", "true", ""] {
            assert_eq!(viewer_file(none), None, "{none}");
        }
    }

    #[test]
    fn staged_beside_the_target_keeping_its_extension() {
        let out = Output::staged("-solution_view", "/data/u.vts", ".poisson-7-0-".into(), false);
        assert_eq!(out.staged, Path::new("/data/.poisson-7-0-u.vts"));
        assert!(!out.into);
        let dev = Output::staged("-ksp_monitor", "/dev/null", ".poisson-7-1-".into(), false);
        assert!(dev.into && dev.staged.starts_with(std::env::temp_dir()));
        assert_eq!(Output::staged("-x", "u.png", "p-".into(), false).staged, Path::new("./p-u.png"));
    }

    #[test]
    fn a_commit_replaces_the_target_and_its_companions() {
        let dir = std::env::temp_dir().join(format!("poisson-outputs-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("u.dat");
        fs::write(&target, "old").unwrap();
        let out = Output::staged("-solution_view", target.to_str().unwrap(), ".s-".into(), false);
        out.check(0).unwrap();
        fs::write(&out.staged, "new").unwrap();
        fs::write(format!("{}.info", out.staged.display()), "info").unwrap();
        let outputs = Outputs { files: vec![out] };
        assert_eq!(outputs.written(), vec![target.display().to_string()]);
        outputs.commit().unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(fs::read_to_string(dir.join("u.dat.info")).unwrap(), "info");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 2);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn directories_and_missing_directories_are_refused() {
        let dir = Output::staged("-solution_png", "/tmp", "p-".into(), false);
        assert_eq!(dir.check(0).unwrap_err().to_string(), "is a directory");
        let missing = Output::staged("-solution_png", "/nonexistent/dir/u.png", "p-".into(), false);
        assert!(missing.check(0).unwrap_err().to_string().starts_with("/nonexistent/dir: "));
    }
}

//! The files a run writes: PETSc's viewers named in the options database
//! (`-solution_view vtk:u.vts`, `-ksp_monitor :m.txt`, `-log_view :log.txt`...)
//! and the pictures. They are found before anything is computed and checked
//! on the ranks that write them; each is then written under a hidden name in
//! its own directory and renamed over its target only once the run has not
//! failed, so a failed run never replaces or truncates a file. A target that
//! is a device or a pipe (`/dev/null`, `/dev/full`) cannot be replaced: its
//! output is staged in the temporary directory and copied into it. An HDF5
//! file gets an XDMF description beside it (`u.h5`, `u.xmf`), staged and
//! committed with it.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use mpi::traits::*;
use petsc::{Error, Petsc, Result};

use crate::agreement::Agreement;
use crate::config::FILE_OUTPUTS;

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
    /// An HDF5 file written into a file (not a device): described by an
    /// XDMF file beside it.
    described: bool,
}

/// An `hdf5:` viewer's output while staged: the file PETSc wrote and where
/// its XDMF description goes.
pub struct Hdf5Staged {
    /// The HDF5 file, under its staged name.
    pub file: PathBuf,
    /// The XDMF file to write, under its staged name.
    pub xdmf: PathBuf,
    /// The HDF5 file's name once in place: the XDMF file, beside it, refers
    /// to it by this name.
    pub file_name: String,
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
            let stage = |file: &str, hdf5| Output::staged(&option, file, format!(".poisson-{tag}-{n}-"), hdf5);
            if FILE_OUTPUTS.contains(&option.as_str()) {
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

    /// The output of the `hdf5:` viewer of `option`, if it has one that is
    /// described by an XDMF file.
    pub fn hdf5(&self, option: &str) -> Option<Hdf5Staged> {
        let f = self.files.iter().find(|f| f.option == option && f.described)?;
        Some(Hdf5Staged {
            file: f.staged.clone(),
            xdmf: xdmf_beside(&f.staged),
            file_name: f.target.file_name()?.to_string_lossy().into_owned(),
        })
    }

    /// A message with staged names put back to the targets'.
    pub fn explain(&self, message: &str) -> String {
        self.files.iter().flat_map(Output::companions).fold(message.to_string(), |m, (staged, target)| {
            m.replace(&*staged.to_string_lossy(), &target.to_string_lossy())
        })
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

/// Whether option `option` with `value` names a file the run writes: a
/// rerun of a run's options leaves these out.
pub fn writes_file(option: &str, value: &str) -> bool {
    FILE_OUTPUTS.contains(&option) || viewer_file(value).is_some()
}

/// Has the first rank write a file (that it alone writes) and tells every
/// rank whether it could, so that all go on or fail alike: collective. The
/// first rank gets what `write` returned, the others `None`.
pub fn write_on_first_rank<T>(petsc: &Petsc, shown: &str, write: impl FnOnce() -> Result<T>) -> Result<Option<T>> {
    let written = if petsc.rank() == 0 { write().map(Some) } else { Ok(None) };
    let mut ok = u8::from(written.is_ok());
    petsc.world().process_at_rank(0).broadcast_into(&mut ok);
    match (written, ok) {
        (Err(e), _) => Err(e),
        (Ok(_), 0) => Err(Error::io(format!("{shown}: not written (see rank 0)"))),
        (Ok(value), _) => Ok(value),
    }
}

/// Where the XDMF description of the HDF5 file `path` goes: beside it,
/// ending in .xmf instead.
fn xdmf_beside(path: &Path) -> PathBuf {
    path.with_extension("xmf")
}

impl Output {
    /// `hdf5`: an HDF5 viewer's file, which every rank writes.
    fn staged(option: &str, file: &str, prefix: String, hdf5: bool) -> Self {
        let target = PathBuf::from(file);
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let into = fs::metadata(&target).is_ok_and(|m| !m.is_file() && !m.is_dir());
        // Beside the target (same file system, so renaming is atomic),
        // keeping its name's end: PETSc reads the format from it (.vts).
        let dir = if into { std::env::temp_dir() } else { parent(&target).to_path_buf() };
        let staged = dir.join(format!("{prefix}{name}"));
        Output { option: option.to_string(), staged, target, into, all_ranks: hdf5, described: hdf5 && !into }
    }

    /// Whether this rank can write the output: the target is no directory,
    /// and a file can be made where the staged one will be.
    fn check(&self, rank: usize) -> io::Result<()> {
        if self.target.is_dir() || self.target.as_os_str().is_empty() {
            return Err(io::Error::other("is a directory"));
        }
        if self.described {
            let xdmf = xdmf_beside(&self.target);
            if xdmf == self.target {
                return Err(io::Error::other("its XDMF description would take its name: end it in .h5"));
            }
            if xdmf.is_dir() {
                return Err(io::Error::other(format!("its XDMF description {}: is a directory", xdmf.display())));
            }
        }
        if self.into {
            return OpenOptions::new().write(true).open(&self.target).map(drop);
        }
        let probe = self.staged.with_file_name(format!(".poisson-probe-{rank}-{}", std::process::id()));
        File::create_new(&probe).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", parent(&probe).display())))?;
        fs::remove_file(probe)
    }

    /// (staged, target) for the file, the companions PETSc wrote and the
    /// XDMF description.
    fn companions(&self) -> impl Iterator<Item = (PathBuf, PathBuf)> + '_ {
        let with = |p: &Path, end: &str| PathBuf::from(format!("{}{end}", p.display()));
        std::iter::once((self.staged.clone(), self.target.clone()))
            .chain(COMPANIONS.iter().map(move |end| (with(&self.staged, end), with(&self.target, end))))
            .chain(self.described.then(|| (xdmf_beside(&self.staged), xdmf_beside(&self.target))))
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
    fn an_hdf5_file_is_committed_with_its_xdmf_description() {
        let dir = std::env::temp_dir().join(format!("poisson-outputs-hdf5-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("u.h5");
        let outputs =
            Outputs { files: vec![Output::staged("-solution_view", target.to_str().unwrap(), ".s-".into(), true)] };
        let staged = outputs.hdf5("-solution_view").unwrap();
        assert_eq!((staged.xdmf.as_path(), staged.file_name.as_str()), (dir.join(".s-u.xmf").as_path(), "u.h5"));
        fs::write(&staged.file, "h5").unwrap();
        fs::write(&staged.xdmf, "xmf").unwrap();
        let message = format!("{}: No space left on device", staged.xdmf.display());
        assert_eq!(outputs.explain(&message), format!("{}: No space left on device", dir.join("u.xmf").display()));
        outputs.commit().unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "h5");
        assert_eq!(fs::read_to_string(dir.join("u.xmf")).unwrap(), "xmf");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 2);
        fs::remove_dir_all(dir).unwrap();
        // Written into a device, it has no description.
        assert!(
            Outputs { files: vec![Output::staged("-solution_view", "/dev/null", "p-".into(), true)] }
                .hdf5("-solution_view")
                .is_none()
        );
    }

    #[test]
    fn an_hdf5_file_named_like_its_description_is_refused() {
        let out = Output::staged("-solution_view", "/tmp/u.xmf", "p-".into(), true);
        assert!(out.check(0).unwrap_err().to_string().contains("end it in .h5"));
    }

    #[test]
    fn directories_and_missing_directories_are_refused() {
        let dir = Output::staged("-solution_png", "/tmp", "p-".into(), false);
        assert_eq!(dir.check(0).unwrap_err().to_string(), "is a directory");
        let missing = Output::staged("-solution_png", "/nonexistent/dir/u.png", "p-".into(), false);
        assert!(missing.check(0).unwrap_err().to_string().starts_with("/nonexistent/dir: "));
    }
}

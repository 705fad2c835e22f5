//! What stops a series. Each error displays as the one line users see after
//! `poisson-scaling: error: `, its cause included; so `source` is left
//! empty, and the cause is not told twice.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;

use plotters::drawing::DrawingAreaErrorKind;

/// Why a series stopped.
#[derive(Debug)]
pub enum Error {
    /// A command-line value that cannot be used; the message names it.
    Input(String),
    /// No poisson program where it was looked for.
    NoPoisson(PathBuf),
    /// This program's own path could not be found (poisson is looked for beside it).
    OwnPath(io::Error),
    /// A file that could not be created, read, written or run.
    File { doing: &'static str, path: PathBuf, cause: io::Error },
    /// A run of poisson that failed: the command, its status, and the most
    /// telling line it wrote.
    Failed { command: String, status: ExitStatus, why: String },
    /// poisson's output or PETSc's log lacks a figure, or has one that
    /// cannot be read; the message says which.
    Unreadable(String),
    /// A plot with no positive value to draw on its log axes.
    NothingToPlot { title: String },
    /// What plotters could not draw.
    Drawing(DrawingAreaErrorKind<io::Error>),
    /// An error, and where it happened (a command, a file, a plot).
    At { place: String, error: Box<Error> },
}

impl Error {
    /// This error, told as happening at `place`.
    pub fn at(self, place: impl fmt::Display) -> Error {
        Error::At { place: place.to_string(), error: Box::new(self) }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Error::Input(message) | Error::Unreadable(message) => f.write_str(message),
            Error::NoPoisson(path) => write!(f, "no {} (give --poisson PATH)", path.display()),
            Error::OwnPath(cause) => write!(f, "cannot find this program's path: {cause}"),
            Error::File { doing, path, cause } => write!(f, "cannot {doing} {}: {cause}", path.display()),
            Error::Failed { command, status, why } => write!(f, "`{command}` failed ({status}): {why}"),
            Error::NothingToPlot { title } => write!(f, "nothing positive to plot in \"{title}\""),
            Error::Drawing(cause) => write!(f, "{cause}"),
            Error::At { place, error } => write!(f, "{place}: {error}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<DrawingAreaErrorKind<io::Error>> for Error {
    fn from(cause: DrawingAreaErrorKind<io::Error>) -> Self {
        Error::Drawing(cause)
    }
}

/// A file operation's error, with what was being done and to which path.
pub fn file(doing: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Error {
    let path = path.into();
    move |cause| Error::File { doing, path, cause }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_one_line_with_their_place() {
        let missing = io::Error::new(io::ErrorKind::NotFound, "No such file or directory");
        let error = file("read", "logs/a.csv")(missing).at("`mpiexec -n 1 poisson`");
        assert_eq!(error.to_string(), "`mpiexec -n 1 poisson`: cannot read logs/a.csv: No such file or directory");
        let error = Error::Unreadable("the log has no stage \"Solver\"".into()).at("logs/a.csv");
        assert_eq!(error.to_string(), "logs/a.csv: the log has no stage \"Solver\"");
        assert_eq!(Error::NoPoisson("bin/poisson".into()).to_string(), "no bin/poisson (give --poisson PATH)");
    }
}

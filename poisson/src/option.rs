//! An option, declared once: its name, type, default, range and help. The
//! program reads its value from PETSc's options database, checks it, lists
//! it in `-help` and recognises its name, all from the declaration (as
//! PETSc's `PetscOptionsInt` family does for PETSc's own options).

use petsc::{Error, Petsc, PetscInt, Result};

/// One option of the program's (or one of PETSc's it checks).
#[derive(Clone, Copy, Debug)]
pub struct Opt {
    pub name: &'static str,
    pub kind: Kind,
    /// What it does, for `-help`.
    pub help: &'static str,
}

/// An option's type, default and range.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// An integer from `min` to [`MAX_INT`] (what PETSc's integers hold).
    Int { default: Default, min: i64 },
    /// A finite number from `min` up to `max` (`max` itself excluded when
    /// `below_max`).
    Real { min: f64, max: f64, below_max: bool },
    /// On when given alone or with a true value (`-assemble`, `-assemble 0`).
    Flag,
    /// One of these words, the first by default.
    Choice(&'static [&'static str]),
    /// A file name.
    File,
    /// A PETSc viewer (`vtk:u.vts`, `hdf5:u.h5`...).
    Viewer,
}

/// An integer option's value when not given.
#[derive(Clone, Copy, Debug)]
pub enum Default {
    Value(i64),
    /// In 2-D, in 3-D.
    PerDim([i64; 2]),
    /// The value of this other option.
    As(&'static str),
    /// Worked out by the program, as said here.
    Derived(&'static str),
}

/// PETSc options commonly given to this program: with the declared ones,
/// the names a misspelt option is matched against ("did you mean ...?").
pub const PETSC_NAMES: [&str; 40] = [
    "-help",
    "-version",
    "-options_file",
    "-options_left",
    "-options_view",
    "-log_view",
    "-memory_view",
    "-malloc_debug",
    "-malloc_dump",
    "-info",
    "-ksp_type",
    "-ksp_monitor",
    "-ksp_monitor_short",
    "-ksp_monitor_true_residual",
    "-ksp_converged_reason",
    "-ksp_view",
    "-ksp_norm_type",
    "-ksp_initial_guess_nonzero",
    "-ksp_gmres_restart",
    "-pc_type",
    "-pc_mg_levels",
    "-pc_mg_galerkin",
    "-pc_mg_type",
    "-pc_mg_cycle_type",
    "-pc_gamg_type",
    "-pc_gamg_threshold",
    "-pc_hypre_type",
    "-pc_factor_mat_solver_type",
    "-mg_levels_ksp_type",
    "-mg_levels_pc_type",
    "-mg_coarse_ksp_type",
    "-mg_coarse_pc_type",
    "-da_grid_x",
    "-da_grid_y",
    "-da_grid_z",
    "-da_refine",
    "-da_processors_x",
    "-da_processors_y",
    "-da_processors_z",
    "-dm_mat_type",
];

/// The largest integer PETSc's options and sizes take.
pub const MAX_INT: i64 = PetscInt::MAX as i64;

impl Opt {
    /// An integer option from `min` to [`MAX_INT`].
    pub const fn integer(name: &'static str, default: Default, min: i64, help: &'static str) -> Self {
        Opt { name, kind: Kind::Int { default, min }, help }
    }

    /// A choice among `words`, the first by default.
    pub const fn one_of(name: &'static str, words: &'static [&'static str], help: &'static str) -> Self {
        Opt { name, kind: Kind::Choice(words), help }
    }

    /// An option of `kind` with no range (a flag, a file, a viewer).
    pub const fn plain(name: &'static str, kind: Kind, help: &'static str) -> Self {
        Opt { name, kind, help }
    }

    /// The value as given, if given: `Some("")` for a name with no value.
    fn given(&self, petsc: &Petsc) -> Result<Option<String>> {
        petsc.option_string(self.name)
    }

    /// The text after the name, refused when missing.
    fn value(&self, petsc: &Petsc) -> Result<Option<String>> {
        match self.given(petsc)? {
            Some(text) if text.trim().is_empty() => Err(Error::usage(format!("{} needs a value", self.name))),
            other => Ok(other),
        }
    }

    /// An integer option's value, if given, checked against its range.
    pub fn int(&self, petsc: &Petsc) -> Result<Option<i64>> {
        let Kind::Int { min, .. } = self.kind else { unreachable!("{} is not an integer option", self.name) };
        self.value(petsc)?.map(|text| parse_int(self.name, &text, min)).transpose()
    }

    /// A real option's value, if given, checked against its range.
    pub fn real(&self, petsc: &Petsc) -> Result<Option<f64>> {
        let Kind::Real { min, max, below_max } = self.kind else { unreachable!("{} is not a real option", self.name) };
        self.value(petsc)?.map(|text| parse_real(self.name, &text, min, max, below_max)).transpose()
    }

    /// An integer option's value, or else its default when that is a
    /// number, as a size (ranges start at 0 or more).
    pub fn size(&self, petsc: &Petsc) -> Result<Option<usize>> {
        let default = match self.kind {
            Kind::Int { default: Default::Value(v), .. } => Some(v),
            _ => None,
        };
        Ok(self.int(petsc)?.or(default).map(|n| usize::try_from(n).unwrap_or(usize::MAX)))
    }

    /// A flag's value: off unless given.
    pub fn flag(&self, petsc: &Petsc) -> Result<bool> {
        Ok(petsc.option_bool(self.name)?.unwrap_or(false))
    }

    /// A choice's value: one of its words, the first unless given.
    pub fn choice(&self, petsc: &Petsc) -> Result<&'static str> {
        let Kind::Choice(words) = self.kind else { unreachable!("{} is not a choice", self.name) };
        match self.value(petsc)? {
            None => Ok(words[0]),
            Some(text) => words
                .iter()
                .find(|w| **w == text)
                .copied()
                .ok_or_else(|| Error::usage(format!("{} {text}: choose {}", self.name, words.join(" or ")))),
        }
    }

    /// A file (or viewer) option's value, if given.
    pub fn text(&self, petsc: &Petsc) -> Result<Option<String>> {
        self.value(petsc)
    }

    /// Checks the value of each of `options` given, without reading it
    /// (PETSc's "unused option" bookkeeping is left as it was): for options
    /// read only in some runs, whose values are wrong in every run.
    pub fn check_given(petsc: &Petsc, options: &[Opt]) -> Result<()> {
        for (name, value) in petsc.options()? {
            let Some(option) = options.iter().find(|o| o.name == name) else { continue };
            let text = value.unwrap_or_default();
            if text.trim().is_empty() && !matches!(option.kind, Kind::Flag) {
                return Err(Error::usage(format!("{name} needs a value")));
            }
            match option.kind {
                Kind::Int { min, .. } => drop(parse_int(option.name, &text, min)?),
                Kind::Real { min, max, below_max } => drop(parse_real(option.name, &text, min, max, below_max)?),
                Kind::Choice(words) if !words.contains(&text.as_str()) => {
                    return Err(Error::usage(format!("{name} {text}: choose {}", words.join(" or "))));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Its line in `-help`: `  -name <default>: help (range)`.
    pub fn help_line(&self) -> String {
        let default = match self.kind {
            Kind::Int { default: Default::Value(v), .. } => v.to_string(),
            Kind::Int { default: Default::PerDim([two, three]), .. } => format!("{two} in 2-D, {three} in 3-D"),
            Kind::Int { default: Default::As(other), .. } => format!("as {other}"),
            Kind::Int { default: Default::Derived(text), .. } => text.to_string(),
            Kind::Flag => "false".into(),
            Kind::Choice(words) => words[0].into(),
            Kind::File => "file".into(),
            Kind::Viewer => "viewer".into(),
            Kind::Real { .. } => "real".into(),
        };
        let range = match self.kind {
            Kind::Int { min, .. } if min != 0 => format!(" (at least {min})"),
            // Unless the help already names every choice.
            Kind::Choice(words) if !words.iter().all(|w| self.help.contains(w)) => format!(" ({})", words.join(" or ")),
            _ => String::new(),
        };
        format!("  {} <{default}>: {}{range}\n", self.name, self.help)
    }
}

fn parse_int(name: &str, text: &str, min: i64) -> Result<i64> {
    let Ok(v) = text.trim().parse::<i128>() else {
        return Err(Error::usage(format!("{name} {text}: not an integer (at least {min})")));
    };
    if v < i128::from(min) {
        return Err(Error::usage(format!("{name} {text}: out of range, at least {min}")));
    }
    i64::try_from(v)
        .ok()
        .filter(|&v| v <= MAX_INT)
        .ok_or_else(|| Error::usage(format!("{name} {text}: out of range, at most {MAX_INT}")))
}

fn parse_real(name: &str, text: &str, min: f64, max: f64, below_max: bool) -> Result<f64> {
    let v: f64 = text.trim().parse().map_err(|_| Error::usage(format!("{name} {text}: not a number")))?;
    let upper = if below_max { v < max } else { v <= max };
    if !v.is_finite() || v < min || !upper {
        let bound = if max.is_infinite() {
            format!("at least {min}")
        } else {
            format!("from {min} to {max}{}", if below_max { " (excluded)" } else { "" })
        };
        return Err(Error::usage(format!("{name} {text}: a finite number {bound} is needed")));
    }
    Ok(v)
}

/// The nearest of `known` to `name` (at most a third of its letters
/// apart), for "did you mean ...?".
pub fn nearest<'k>(name: &str, known: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    known
        .into_iter()
        .map(|k| (distance(name, k), k))
        .filter(|&(d, _)| d > 0 && d <= (name.chars().count() / 3).max(1))
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k)
}

/// Edit distance (insertions, deletions, substitutions, swaps of two
/// neighbours), in characters.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_checked_as_typed() {
        assert_eq!(parse_int("-nx", "33", 3).unwrap(), 33);
        let e = parse_int("-nx", "2147483648", 3).unwrap_err();
        assert_eq!(e.message(), "-nx 2147483648: out of range, at most 2147483647");
        let e = parse_int("-ksp_max_it", "99999999999", 0).unwrap_err();
        assert!(e.message().starts_with("-ksp_max_it 99999999999: out of range"), "{e}");
        assert!(parse_int("-nx", "-1", 3).unwrap_err().message().contains("at least 3"));
        assert!(parse_int("-nx", "1e3", 3).unwrap_err().message().contains("not an integer"));
    }

    #[test]
    fn reals_are_finite_and_in_range() {
        assert_eq!(parse_real("-ksp_rtol", "1e-8", 0.0, 1.0, true).unwrap(), 1e-8);
        for bad in ["nan", "inf", "-1", "1", "x"] {
            assert!(parse_real("-ksp_rtol", bad, 0.0, 1.0, true).is_err(), "{bad}");
        }
        assert!(parse_real("-ksp_atol", "inf", 0.0, f64::INFINITY, false).is_err());
    }

    #[test]
    fn misspellings_find_the_nearest_name() {
        let known = ["-ksp_rtol", "-ksp_atol", "-nx", "-ny", "-pc_type"];
        assert_eq!(nearest("-ksp_rtl", known), Some("-ksp_rtol"));
        assert_eq!(nearest("-pc_tpye", known), Some("-pc_type"));
        assert_eq!(nearest("-ñx", known), Some("-nx"));
        assert_eq!(nearest("-completely_else", known), None);
    }
}

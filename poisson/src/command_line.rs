//! What PETSc will read, checked before it reads it: the command line's
//! words, and every options file it would open (named on the command line,
//! in `PETSC_OPTIONS` or in another options file, and PETSc's own `.petscrc`
//! files). PETSc skips words it cannot place, follows an options file that
//! includes itself until the stack overflows, and reads a device for ever.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use petsc::{Error, Result};

use crate::option;

/// The largest options file read: options files are a few lines.
const MAX_OPTIONS_FILE: u64 = 1 << 20;

/// Options PETSc reads only while it finalizes, after the program's last
/// look at the database.
pub const READ_AT_FINALIZE: [&str; 2] = ["-options_left", "-options_view"];

/// The program's arguments as text; one that is not UTF-8 is refused.
pub fn arguments(args: impl IntoIterator<Item = OsString>) -> Result<Vec<String>> {
    args.into_iter()
        .enumerate()
        .map(|(i, a)| {
            a.into_string().map_err(|a| {
                Error::usage(format!("argument {i} ({}) is not UTF-8 text", a.as_encoded_bytes().escape_ascii()))
            })
        })
        .collect()
}

/// Whether `word` names an option as PETSc reads one: a dash (or two) and
/// a letter, then letters, digits and underscores.
fn is_name(word: &str) -> bool {
    let rest = word.strip_prefix("--").or_else(|| word.strip_prefix('-'));
    rest.is_some_and(|r| {
        r.starts_with(|c: char| c.is_ascii_alphabetic()) && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Checks that every word of the command line after the program's name is
/// an option name or the value of the one before: PETSc would skip a stray
/// word, a lone `-` or a name it cannot read, and take an empty value as
/// no value.
pub fn check_words(args: &[String], known: &[&str]) -> Result<()> {
    let mut after_name: Option<&str> = None;
    for word in args.iter().skip(1) {
        if is_name(word) {
            after_name = Some(word);
            continue;
        }
        let number = word.parse::<f64>().is_ok();
        if word.starts_with('-') && !number {
            let hint = option::nearest(word, known.iter().copied()).map(|n| format!(" (did you mean {n}?)"));
            return Err(Error::usage(format!("{word}: not an option name{}", hint.unwrap_or_default())));
        }
        match after_name.take() {
            Some(name) if word.trim().is_empty() => return Err(Error::usage(format!("{name}: empty value"))),
            Some(_) => {}
            None => {
                return Err(Error::usage(format!("{word}: a stray word on the command line (options start with -)")));
            }
        }
    }
    Ok(())
}

/// Whether option `name` is on the command line (rather than from
/// `PETSC_OPTIONS` or an options file).
pub fn given_on_command_line(args: &[String], name: &str) -> bool {
    args.iter().skip(1).any(|a| a == name)
}

/// Checks the words of `PETSC_OPTIONS` as those of the command line.
pub fn check_environment(known: &[&str]) -> Result<()> {
    let Ok(text) = std::env::var("PETSC_OPTIONS") else { return Ok(()) };
    let words: Vec<String> = std::iter::once(String::new()).chain(text.split_whitespace().map(String::from)).collect();
    check_words(&words, known).map_err(|e| e.context("PETSC_OPTIONS"))
}

/// Checks every options file PETSc would read, and those they include:
/// each a regular file of at most [`MAX_OPTIONS_FILE`] bytes that can be
/// read, none including itself directly or through others.
pub fn check_options_files(args: &[String]) -> Result<()> {
    let environment: Vec<String> =
        std::env::var("PETSC_OPTIONS").unwrap_or_default().split_whitespace().map(String::from).collect();
    let mut files: Vec<PathBuf> = included(&args[1.min(args.len())..]).chain(included(&environment)).collect();
    let skip_petscrc = args.iter().chain(&environment).any(|a| a == "-skip_petscrc");
    if !skip_petscrc {
        let home = std::env::var_os("HOME").map(|h| Path::new(&h).join(".petscrc"));
        files.extend(home.into_iter().chain([".petscrc", "petscrc"].map(PathBuf::from)).filter(|f| f.exists()));
    }
    for file in files {
        check_file(&file, &mut Vec::new())?;
    }
    Ok(())
}

/// The files `-options_file` names among `words`.
fn included(words: &[String]) -> impl Iterator<Item = PathBuf> + '_ {
    words.windows(2).filter(|w| w[0] == "-options_file").map(|w| PathBuf::from(&w[1]))
}

fn check_file(file: &Path, chain: &mut Vec<PathBuf>) -> Result<()> {
    let fail = |why: String| Error::usage(format!("-options_file {}: {why}", file.display()));
    let real = fs::canonicalize(file).map_err(|e| fail(e.to_string()))?;
    if chain.contains(&real) {
        chain.push(real);
        let cycle: Vec<_> = chain.iter().map(|p| p.display().to_string()).collect();
        return Err(fail(format!("includes itself ({})", cycle.join(" -> "))));
    }
    let metadata = fs::metadata(&real).map_err(|e| fail(e.to_string()))?;
    if !metadata.is_file() {
        return Err(fail("not a regular file".into()));
    }
    // Read with a cap: files of /proc say they are empty and never end.
    let mut bytes = Vec::new();
    File::open(&real)
        .and_then(|f| f.take(MAX_OPTIONS_FILE + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > MAX_OPTIONS_FILE {
        return Err(fail(format!("larger than {} bytes, not an options file", MAX_OPTIONS_FILE)));
    }
    chain.push(real);
    let text = String::from_utf8_lossy(&bytes);
    for line in text.lines() {
        let words: Vec<String> = line.split('#').next().unwrap_or("").split_whitespace().map(String::from).collect();
        for inner in included(&words).collect::<Vec<_>>() {
            check_file(&inner, chain)?;
        }
    }
    chain.pop();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        std::iter::once("poisson").chain(line.split(' ')).map(String::from).collect()
    }

    #[test]
    fn names_values_and_stray_words_are_told_apart() {
        let known = ["-nx", "-ksp_rtol"];
        assert!(check_words(&words("-nx 33 -ksp_rtol 1e-8 -da_x -1 -assemble"), &known).is_ok());
        assert!(check_words(&words("--nx 33"), &known).is_ok());
        let refused = |line: &str| check_words(&words(line), &known).unwrap_err().message().to_string();
        assert!(refused("nx 33").contains("nx: a stray word"));
        assert!(refused("-nx 33 44").contains("44: a stray word"));
        assert_eq!(refused("-"), "-: not an option name");
        assert_eq!(refused("-ñx 5"), "-ñx: not an option name (did you mean -nx?)");
        assert_eq!(
            check_words(&["poisson".into(), "-nx".into(), String::new()], &known).unwrap_err().message(),
            "-nx: empty value"
        );
    }

    #[test]
    fn arguments_must_be_text() {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(vec![0xff, 0xfe]);
        let e = arguments([OsString::from("poisson"), OsString::from("-problem"), bad]).unwrap_err();
        assert_eq!(e.message(), "argument 2 (\\xff\\xfe) is not UTF-8 text");
    }

    #[test]
    fn options_files_are_checked_with_those_they_include() {
        let dir = std::env::temp_dir().join(format!("poisson-command-line-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a.opts"), dir.join("b.opts"));
        fs::write(&a, format!("-nx 5 # a comment\n-options_file {}\n", b.display())).unwrap();
        fs::write(&b, "-ny 7\n").unwrap();
        let args = |f: &Path| vec!["poisson".to_string(), "-options_file".into(), f.display().to_string()];
        assert!(check_options_files(&args(&a)).is_ok());
        fs::write(&b, format!("-options_file {}\n", a.display())).unwrap();
        let e = check_options_files(&args(&a)).unwrap_err();
        assert!(e.message().contains("includes itself"), "{e}");
        for device in ["/dev/zero", "/proc/self/mem", "/nonexistent/x.opts"] {
            assert!(check_options_files(&args(Path::new(device))).is_err(), "{device}");
        }
        fs::remove_dir_all(dir).unwrap();
    }
}

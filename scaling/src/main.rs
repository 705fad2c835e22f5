//! `poisson-scaling`: see `poisson-scaling --help` and README.md.

fn main() -> std::process::ExitCode {
    poisson_scaling::cli::main()
}

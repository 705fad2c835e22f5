//! The kernels built for AVX2 where the processor has it, chosen at run
//! time, so that one binary (and the images) runs on any x86-64 and still
//! uses wider vectors where it can. (AVX-512 as a third choice measured 3 %
//! faster: not worth a third build of every kernel.)

/// Runs `kernel` built for AVX2 and FMA where the processor has them, for
/// the x86-64 baseline otherwise. Only what is inlined into `kernel` is
/// built so: its loops, and the functions marked `#[inline(always)]`.
///
/// The compiler fuses no multiply and add on its own, so every variant
/// rounds alike: the results are the same bit for bit.
#[inline(always)]
pub fn vectorized<R>(kernel: impl FnOnce() -> R) -> R {
    pulp::Arch::new().dispatch(kernel)
}

/// The instructions [`vectorized`] builds kernels for on this processor,
/// for the preconditioner's view.
pub fn instructions() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    return if pulp::x86::V3::try_new().is_some() { "AVX2 and FMA" } else { "the x86-64 baseline (SSE2)" };
    #[cfg(not(target_arch = "x86_64"))]
    "the target's baseline"
}

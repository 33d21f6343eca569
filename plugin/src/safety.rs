//! Floating-point hygiene on the audio thread: denormals flushed while processing
//! ([`DenormalGuard`]) and a last pass that makes every output sample finite, bounded and
//! normal ([`sanitize`]).
//!
//! Audio thread only; no allocation. The guard is the plugin's only `unsafe`.

/// Largest output magnitude (+18 dBFS): a patch that blows up is clipped here instead of
/// reaching the host's mixer as huge or infinite values.
pub const OUTPUT_CEILING: f32 = 8.0;

/// Makes `x` safe to hand to the host: NaN and infinities become 0, subnormals and
/// anything below `f32::MIN_POSITIVE` become 0, the rest is clamped to
/// +-[`OUTPUT_CEILING`].
#[inline]
pub fn sanitize(x: f32) -> f32 {
    if x.is_nan() || x.abs() < f32::MIN_POSITIVE {
        0.0
    } else {
        x.clamp(-OUTPUT_CEILING, OUTPUT_CEILING)
    }
}

/// Sanitizes every sample of `buffer` in place (see [`sanitize`]).
#[inline]
pub fn sanitize_all(buffer: &mut [f32]) {
    for x in buffer {
        *x = sanitize(*x);
    }
}

/// While alive, the CPU flushes subnormal results to zero and treats subnormal inputs as
/// zero (x86: MXCSR FTZ and DAZ bits; AArch64: FPCR FZ bit). Restores the previous mode
/// when dropped. Create it at the top of `process()` and let it drop at the end; it must
/// be dropped on the thread that created it (it is neither `Send` nor `Sync`).
pub struct DenormalGuard {
    /// The control register as it was, restored on drop.
    #[cfg_attr(
        not(any(target_arch = "x86_64", target_arch = "aarch64")),
        allow(dead_code)
    )]
    saved: u64,
    /// Not `Send`/`Sync`: the register belongs to this thread.
    _thread_bound: std::marker::PhantomData<*const ()>,
}

#[cfg(target_arch = "x86_64")]
mod arch {
    /// MXCSR flush-to-zero (bit 15) and denormals-are-zero (bit 6).
    const FTZ_DAZ: u32 = (1 << 15) | (1 << 6);

    pub fn read() -> u64 {
        let mut mxcsr: u32 = 0;
        // SAFETY: `stmxcsr` stores the 32-bit MXCSR register to the given address, which
        // points at a live, aligned, writable u32 on our stack; it has no other effect.
        unsafe { std::arch::asm!("stmxcsr [{}]", in(reg) &mut mxcsr, options(nostack)) };
        u64::from(mxcsr)
    }

    pub fn write(value: u64) {
        let mxcsr = value as u32;
        // SAFETY: `ldmxcsr` loads MXCSR from a live, aligned u32. Only values read from
        // MXCSR (possibly with the FTZ/DAZ bits set, both valid on every x86_64 CPU) are
        // written, so no reserved bit is set and no exception is unmasked.
        unsafe { std::arch::asm!("ldmxcsr [{}]", in(reg) &mxcsr, options(nostack, readonly)) };
    }

    pub fn flushing(saved: u64) -> u64 {
        saved | u64::from(FTZ_DAZ)
    }
}

#[cfg(target_arch = "aarch64")]
mod arch {
    /// FPCR flush-to-zero (bit 24), which on AArch64 covers inputs and outputs.
    const FZ: u64 = 1 << 24;

    pub fn read() -> u64 {
        let fpcr: u64;
        // SAFETY: reading FPCR into a general register has no side effects.
        unsafe { std::arch::asm!("mrs {}, fpcr", out(reg) fpcr, options(nomem, nostack)) };
        fpcr
    }

    pub fn write(value: u64) {
        // SAFETY: only values read from FPCR, possibly with FZ set, are written back;
        // FZ only changes how subnormals are rounded.
        unsafe { std::arch::asm!("msr fpcr, {}", in(reg) value, options(nomem, nostack)) };
    }

    pub fn flushing(saved: u64) -> u64 {
        saved | FZ
    }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
mod arch {
    pub fn read() -> u64 {
        0
    }

    pub fn write(_value: u64) {}

    pub fn flushing(saved: u64) -> u64 {
        saved
    }
}

impl DenormalGuard {
    /// Switches this thread to flush denormals until the guard drops.
    #[inline]
    pub fn new() -> Self {
        let saved = arch::read();
        let flushing = arch::flushing(saved);
        if flushing != saved {
            arch::write(flushing);
        }
        Self {
            saved,
            _thread_bound: std::marker::PhantomData,
        }
    }

    /// Whether denormals are being flushed right now on this thread.
    pub fn active() -> bool {
        let now = arch::read();
        arch::flushing(now) == now && cfg!(any(target_arch = "x86_64", target_arch = "aarch64"))
    }
}

impl Default for DenormalGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for DenormalGuard {
    #[inline]
    fn drop(&mut self) {
        if arch::read() != self.saved {
            arch::write(self.saved);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_leaves_only_finite_normal_bounded_samples() {
        assert_eq!(sanitize(f32::NAN), 0.0);
        assert_eq!(sanitize(f32::INFINITY), OUTPUT_CEILING);
        assert_eq!(sanitize(f32::NEG_INFINITY), -OUTPUT_CEILING);
        assert_eq!(sanitize(1e-40), 0.0);
        assert_eq!(sanitize(-1e-39), 0.0);
        assert_eq!(sanitize(0.25), 0.25);
        assert_eq!(sanitize(-100.0), -OUTPUT_CEILING);
    }

    #[test]
    fn the_guard_flushes_and_restores() {
        #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
        {
            let before = arch::read();
            {
                let _guard = DenormalGuard::new();
                assert!(DenormalGuard::active());
                // A product that would be subnormal comes out as zero.
                let tiny = std::hint::black_box(1e-30f32);
                let product = std::hint::black_box(tiny * 1e-10);
                assert_eq!(product, 0.0);
            }
            assert_eq!(arch::read(), before, "mode restored");
        }
    }
}

//! Grid-sized arrays of f64 in memory mapped for them, zeroed and
//! populated by the system at once, in huge pages where it has them.
//!
//! Fresh memory costs a page fault per 4 KiB page at its first touch; on
//! the machines measured, that came to 0.6 ms per MB, more than the work
//! done on the values. Populated in one call when mapped, the same pages
//! cost about a third less (67 MB: 25 ms against 38 ms), and before the
//! work that uses them rather than during it. In transparent huge pages
//! (2 MiB, asked for on these mappings only) populating costs a third of
//! that again, and the cycle that walks the arrays misses the TLB less:
//! the multigrid's set-up at 4097² on 2 ranks took 14 ms against 36, the
//! cycle 131 ms against 136.

use std::ffi::c_void;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

use rustix::io::Errno;
use rustix::mm::{Advice, MapFlags, ProtFlags, madvise, mmap_anonymous, munmap};

use crate::{Error, Result, report_drop_error};

/// `len` f64s, zero until written.
pub struct Buffer {
    ptr: NonNull<f64>,
    len: usize,
}

/// A transparent huge page: mappings at least this large start on one.
const HUGE_PAGE: usize = 2 << 20;

/// The pages a [`Buffer`] is mapped in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pages {
    /// Huge pages from 2 MiB up, where the system has them: for arrays
    /// made and walked while a solve runs.
    Huge,
    /// Small pages always. Huge pages come only from the large free blocks
    /// a virtual machine may have handed back to its host, and touching
    /// those again stalls: arrays made between runs' start-ups, where such
    /// blocks are likely, stay in small pages.
    Small,
}

impl Buffer {
    /// `n` zeros, or an error saying "out of memory" (naming `what`) when
    /// the system cannot map them.
    pub fn zeroed(n: usize, what: &str) -> Result<Self> {
        Self::zeroed_in(n, what, Pages::Huge)
    }

    /// As [`Buffer::zeroed`], in the pages given.
    pub fn zeroed_in(n: usize, what: &str, pages: Pages) -> Result<Self> {
        if n == 0 {
            return Ok(Buffer { ptr: NonNull::dangling(), len: 0 });
        }
        let oom = || Error::usage(format!("out of memory ({} bytes for {what})", n.saturating_mul(8)));
        let bytes = n.checked_mul(size_of::<f64>()).ok_or_else(oom)?;
        let p =
            if bytes < HUGE_PAGE || pages == Pages::Small { small(bytes) } else { huge(bytes) }.map_err(|_| oom())?;
        let ptr = NonNull::new(p.cast::<f64>()).ok_or_else(oom)?;
        Ok(Buffer { ptr, len: n })
    }
}

const READ_WRITE: ProtFlags = ProtFlags::READ.union(ProtFlags::WRITE);

/// `bytes` mapped and populated in small pages.
fn small(bytes: usize) -> rustix::io::Result<*mut c_void> {
    // SAFETY: a new private anonymous mapping, aliasing nothing.
    unsafe { mmap_anonymous(std::ptr::null_mut(), bytes, READ_WRITE, MapFlags::PRIVATE | MapFlags::POPULATE) }
}

/// `bytes` mapped from a huge page boundary, marked for huge pages and
/// populated. Where the system has no huge pages (the advice is then
/// refused, or taken and ignored) the pages are small; where it cannot
/// populate on advice (Linux before 5.14), they fault in at first use.
fn huge(bytes: usize) -> rustix::io::Result<*mut c_void> {
    let len = bytes.next_multiple_of(rustix::param::page_size());
    // Room to start on a huge page boundary; the rest is given back.
    let room = len + HUGE_PAGE;
    // SAFETY: a new private anonymous mapping, aliasing nothing.
    let p = unsafe { mmap_anonymous(std::ptr::null_mut(), room, READ_WRITE, MapFlags::PRIVATE) }?;
    let head = (p as usize).next_multiple_of(HUGE_PAGE) - p as usize;
    let start = p.wrapping_byte_add(head);
    // SAFETY: the parts of the mapping just made before `start` and after
    // its `len` bytes, page-aligned; nothing refers to them.
    unsafe {
        if head > 0 {
            munmap(p, head)?;
        }
        if room - head - len > 0 {
            munmap(start.wrapping_byte_add(len), room - head - len)?;
        }
    }
    // Refused advice (EINVAL: no huge pages, or no populating on advice)
    // leaves small pages, or pages faulted in at first use.
    let taken = |advised: rustix::io::Result<()>| match advised {
        Err(Errno::INVAL) => Ok(()),
        other => other,
    };
    // SAFETY: advice on the mapping that remains, ours alone.
    let huge_pages = unsafe { madvise(start, len, Advice::LinuxHugepage) };
    let advised = taken(huge_pages).and_then(|()| {
        // SAFETY: as above; populating writes the zeros it already reads.
        taken(unsafe { madvise(start, len, Advice::LinuxPopulateWrite) })
    });
    if let Err(e) = advised {
        // SAFETY: the mapping made above, given back as it cannot be used.
        let _ = unsafe { munmap(start, len) };
        return Err(e);
    }
    Ok(start)
}

impl Deref for Buffer {
    type Target = [f64];

    fn deref(&self) -> &[f64] {
        // SAFETY: len f64s mapped readable and writable (page-aligned, so
        // aligned for f64), zero or written since; or a dangling pointer
        // with len 0.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl DerefMut for Buffer {
    fn deref_mut(&mut self) -> &mut [f64] {
        // SAFETY: as in deref, borrowed mutably through self.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: the mapping made in zeroed, of this size (munmap rounds
            // it up to whole pages, as mmap did), unmapped once.
            let unmapped = unsafe { munmap(self.ptr.as_ptr().cast(), self.len * size_of::<f64>()) };
            report_drop_error("munmap", unmapped.map_err(|e| Error::usage(e.to_string())));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_start_zero_and_keep_what_is_written() {
        let mut b = Buffer::zeroed(1 << 20, "a test").unwrap();
        assert!(b.iter().all(|&v| v == 0.0));
        b[12345] = 2.5;
        assert_eq!((b.len(), b[12345], b.iter().sum::<f64>()), (1 << 20, 2.5, 2.5));
        assert!(Buffer::zeroed(0, "nothing").unwrap().is_empty());
    }

    #[test]
    fn large_buffers_start_on_a_huge_page_and_reach_their_end() {
        // Not a whole number of pages, large or small.
        let n = 3 * HUGE_PAGE / 8 + 1001;
        let mut b = Buffer::zeroed(n, "a test").unwrap();
        assert_eq!(b.as_ptr() as usize % HUGE_PAGE, 0);
        assert!(b.iter().all(|&v| v == 0.0));
        b[n - 1] = 1.5;
        b[0] = 0.5;
        assert_eq!(b.iter().sum::<f64>(), 2.0);
    }

    #[test]
    fn impossible_sizes_are_out_of_memory() {
        let e = Buffer::zeroed(usize::MAX / 4, "too much").err().unwrap();
        assert!(e.to_string().contains("out of memory ("), "{e}");
    }
}

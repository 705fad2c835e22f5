//! Grid-sized arrays of f64 in memory mapped for them, zeroed by the
//! system: in huge pages where it has them, faulted in at first use;
//! otherwise populated at once.
//!
//! Fresh memory costs a page fault per 4 KiB page at its first touch; on
//! the machines measured, that came to 0.6 ms per MB, more than the work
//! done on the values. Populated in one call when mapped, the same pages
//! cost about a third less (67 MB: 25 ms against 38 ms). In transparent
//! huge pages (2 MiB, asked for on these mappings only) a fault zeroes 2
//! MiB, which the work that touched them then finds in cache: left to
//! fault in as the multigrid's cycle first writes them, rather than
//! populated at its set-up, its levels cost one pass over memory less (the
//! "Solver" stage at 4097² on 2 ranks 136 to 140 ms against 147 to 149,
//! at 257³ 152 to 154 against 157 to 160), and the cycle misses the TLB
//! less than in small pages.

use std::ffi::c_void;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;
use std::sync::OnceLock;

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

impl Buffer {
    /// `n` zeros, or an error saying "out of memory" (naming `what`) when
    /// the system cannot map them.
    pub fn zeroed(n: usize, what: &str) -> Result<Self> {
        Self::mapped(n, what, |bytes| if bytes < HUGE_PAGE { small(bytes) } else { huge(bytes) })
    }

    /// `n` values, each chunk of a multiple of `granule` values (at most
    /// [`CHUNK`] bytes where the granule allows) written by `fill(offset,
    /// chunk)` right after its pages are populated: while the zeros just
    /// written are in cache, so that filling costs no second pass over
    /// memory (67 MB on each of 2 cores at once: 17 ms against 24 for
    /// populating all, then filling). Where the system cannot populate on
    /// advice (Linux before 5.14), the fill faults the pages in.
    ///
    /// Small pages always: huge pages come only from the large free blocks
    /// that a virtual machine may have handed back to its host, and
    /// touching those again stalls; arrays made as a run starts, when such
    /// blocks are likely, stay in small pages.
    pub fn filled(n: usize, what: &str, granule: usize, mut fill: impl FnMut(usize, &mut [f64])) -> Result<Self> {
        // SAFETY: a new private anonymous mapping, aliasing nothing.
        let map = |bytes| unsafe { mmap_anonymous(std::ptr::null_mut(), bytes, READ_WRITE, MapFlags::PRIVATE) };
        // Owned from here: unmapped on an error below.
        let mut buffer = Self::mapped(n, what, map)?;
        let (bytes, p) = (n * size_of::<f64>(), buffer.ptr.as_ptr().cast::<c_void>());
        let (page, step) = (rustix::param::page_size(), (CHUNK / 8 / granule.max(1)).max(1) * granule.max(1));
        for start in (0..n).step_by(step) {
            let end = (start + step).min(n);
            // The pages the chunk touches; the first may be its neighbour's
            // too, and populating it again changes nothing.
            let (from, to) = ((start * 8) / page * page, (end * 8).next_multiple_of(page).min(bytes));
            // SAFETY: advice on pages of the mapping made above, ours alone.
            let advised = unsafe { madvise(p.wrapping_byte_add(from), to - from, Advice::LinuxPopulateWrite) };
            match advised {
                Ok(()) | Err(Errno::INVAL) => {}
                Err(Errno::NOMEM) => return Err(out_of_memory(n, what)),
                Err(e) => return Err(Error::usage(format!("populating memory for {what}: {e}"))),
            }
            fill(start, &mut buffer[start..end]);
        }
        Ok(buffer)
    }

    /// `n` f64s in the memory `map` maps for their bytes; "out of memory"
    /// (naming `what`) when it cannot.
    fn mapped(n: usize, what: &str, map: impl FnOnce(usize) -> rustix::io::Result<*mut c_void>) -> Result<Self> {
        if n == 0 {
            return Ok(Buffer { ptr: NonNull::dangling(), len: 0 });
        }
        let bytes = n.checked_mul(size_of::<f64>()).ok_or_else(|| out_of_memory(n, what))?;
        let p = map(bytes).map_err(|_| out_of_memory(n, what))?;
        let ptr = NonNull::new(p.cast::<f64>()).ok_or_else(|| out_of_memory(n, what))?;
        Ok(Buffer { ptr, len: n })
    }
}

fn out_of_memory(n: usize, what: &str) -> Error {
    Error::usage(format!("out of memory ({} bytes for {what})", n.saturating_mul(8)))
}

/// The bytes [`Buffer::filled`] populates and fills at a time: well within
/// a core's L2.
const CHUNK: usize = 256 << 10;

const READ_WRITE: ProtFlags = ProtFlags::READ.union(ProtFlags::WRITE);

/// `bytes` mapped and populated in small pages.
fn small(bytes: usize) -> rustix::io::Result<*mut c_void> {
    // SAFETY: a new private anonymous mapping, aliasing nothing.
    unsafe { mmap_anonymous(std::ptr::null_mut(), bytes, READ_WRITE, MapFlags::PRIVATE | MapFlags::POPULATE) }
}

/// `bytes` mapped from a huge page boundary and marked for huge pages,
/// which fault in at first use. Where the system has none (the advice is
/// then refused, or transparent huge pages are off) the pages are small
/// and populated at once, or, where it cannot populate on advice (Linux
/// before 5.14), faulted in at first use too.
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
    let advised = match huge_pages {
        Ok(()) if huge_pages_on() => Ok(()),
        Ok(()) | Err(Errno::INVAL) => {
            // SAFETY: as above; populating writes the zeros it already reads.
            taken(unsafe { madvise(start, len, Advice::LinuxPopulateWrite) })
        }
        Err(e) => Err(e),
    };
    if let Err(e) = advised {
        // SAFETY: the mapping made above, given back as it cannot be used.
        let _ = unsafe { munmap(start, len) };
        return Err(e);
    }
    Ok(start)
}

/// Whether the system gives transparent huge pages to mappings advised so
/// ("always" or "madvise"; unknown counts as off). Read once.
fn huge_pages_on() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
            .is_ok_and(|mode| !mode.contains("[never]") && mode.contains('['))
    })
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
    fn filled_buffers_are_written_chunk_by_chunk_in_order() {
        // A granule that divides no page, a length that no chunk divides.
        let (granule, n) = (4097, 4097 * 100 + 123);
        let mut seen = Vec::new();
        let b = Buffer::filled(n, "a test", granule, |start, chunk| {
            assert!(chunk.iter().all(|&v| v == 0.0), "fresh zeros");
            assert!(start % granule == 0 && (chunk.len() % granule == 0 || start + chunk.len() == n));
            assert!(chunk.len() * 8 <= CHUNK.max(granule * 8));
            chunk.iter_mut().enumerate().for_each(|(i, v)| *v = (start + i) as f64);
            seen.push(start..start + chunk.len());
        })
        .unwrap();
        assert_eq!(seen.first().unwrap().start, 0);
        assert!(seen.windows(2).all(|w| w[0].end == w[1].start) && seen.last().unwrap().end == n);
        assert!(b.iter().enumerate().all(|(i, &v)| v == i as f64));
        assert!(Buffer::filled(0, "nothing", 3, |_, _| panic!("nothing to fill")).unwrap().is_empty());
    }

    #[test]
    fn impossible_sizes_are_out_of_memory() {
        let e = Buffer::zeroed(usize::MAX / 4, "too much").err().unwrap();
        assert!(e.to_string().contains("out of memory ("), "{e}");
        let e = Buffer::filled(usize::MAX / 16, "too much", 1, |_, _| panic!("no memory to fill")).err().unwrap();
        assert!(e.to_string().contains("out of memory ("), "{e}");
    }
}

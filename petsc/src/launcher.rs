//! The channel to the MPI launcher's daemon on this host.
//!
//! OpenMPI's PMIx client talks to the local daemon (mpiexec's or orted's)
//! over a loopback TCP socket left with Nagle's algorithm on. At
//! MPI_Finalize it writes a few small messages in a row: Nagle holds each
//! one back until the daemon acknowledges the last, and the daemon's kernel
//! delays that acknowledgement by Linux's minimum of 40 ms. Every run ended
//! 40 ms late (MPI_Finalize 48 ms against 6 ms with TCP_NODELAY, measured
//! under `mpiexec -n 2` of OpenMPI 4.1). Setting TCP_NODELAY changes when
//! bytes leave, never which bytes; sockets to other hosts are left alone.

use std::net::SocketAddr;
use std::os::fd::{BorrowedFd, RawFd};

use rustix::net::{SocketType, getpeername, sockopt};

/// The process's TCP sockets connected to this host, each with whether it
/// sends without delay (TCP_NODELAY).
pub fn loopback_sockets() -> Vec<(RawFd, bool)> {
    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else { return Vec::new() };
    fds.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<RawFd>().ok())
        .filter_map(|raw| {
            // SAFETY: the descriptor was open when listed. Should another
            // thread (MPI's progress thread) close it meanwhile, the calls
            // below fail on the closed number or act on a socket that reused
            // it; they only read a socket's state or set TCP_NODELAY.
            let fd = unsafe { BorrowedFd::borrow_raw(raw) };
            if sockopt::socket_type(fd).ok()? != SocketType::STREAM {
                return None;
            }
            let peer = SocketAddr::try_from(getpeername(fd).ok()??).ok()?;
            peer.ip().is_loopback().then(|| (raw, sockopt::tcp_nodelay(fd).unwrap_or(false)))
        })
        .collect()
}

/// Sets TCP_NODELAY on every socket [`loopback_sockets`] finds; one that
/// refuses keeps its 40 ms, which is no reason to stop a run.
pub(crate) fn send_promptly() {
    for (raw, nodelay) in loopback_sockets() {
        if !nodelay {
            // SAFETY: as in loopback_sockets.
            let _ = sockopt::set_tcp_nodelay(unsafe { BorrowedFd::borrow_raw(raw) }, true);
        }
    }
}

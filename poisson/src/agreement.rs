//! How the ranks end a run together. Each brings its outcome; all leave with
//! the worst one and the message of the lowest rank that had it, so an error
//! seen by one rank (a file it could not write) ends the job on every rank
//! with one line. A rank that failed may be alone: the others can be waiting
//! for it inside a collective call that will never complete. So a failed
//! rank waits for the others only a short while, then prints its message
//! and aborts the job; a rank that succeeded waits as long as it takes.

use std::thread;
use std::time::{Duration, Instant};

use mpi::collective::SystemOperation;
use mpi::request;
use mpi::topology::{Communicator, SimpleCommunicator};
use mpi::traits::*;
use petsc::{Error, Result};

use crate::report::stderr_line;

/// How long a failed rank waits for the others to reach the agreement.
const GRACE: Duration = Duration::from_secs(3);

/// The communicator agreements use: a duplicate of the world's, so they
/// never match a collective call that PETSc or the program makes.
pub struct Agreement {
    comm: SimpleCommunicator,
}

/// What the ranks agreed on.
#[derive(Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The worst status (exit status: 0 best).
    pub status: u8,
    /// The message of the lowest rank with that status, if it had one.
    pub message: Option<String>,
}

impl Agreement {
    /// Collective: every rank makes it at start-up, in the same order.
    pub fn new(world: &SimpleCommunicator) -> Self {
        Agreement { comm: world.duplicate() }
    }

    /// Agrees on the worst `status` (0 best) across ranks. A rank with a
    /// non-zero status waits at most [`GRACE`] for the others; past it, it
    /// runs `before_abort` (removing what it half wrote), prints `message`
    /// and aborts the job with `status`.
    pub fn agree(&self, status: u8, message: Option<&str>, before_abort: impl FnOnce()) -> Verdict {
        let (rank, size) = (self.comm.rank(), self.comm.size());
        // The worst status first, then the lowest rank holding it.
        let key = (i64::from(status) << 32) | i64::from(size - 1 - rank);
        let mut worst = 0i64;
        request::scope(|scope| {
            let mut pending = self.comm.immediate_all_reduce_into(scope, &key, &mut worst, SystemOperation::max());
            if status == 0 {
                pending.wait();
                return;
            }
            let deadline = Instant::now() + GRACE;
            loop {
                match pending.test() {
                    Ok(_) => return,
                    Err(still) => pending = still,
                }
                if Instant::now() > deadline {
                    // The request is abandoned with the job.
                    before_abort();
                    if let Some(message) = message {
                        stderr_line(format_args!("poisson: {message}"));
                    }
                    petsc::abort(&self.comm, i32::from(status));
                }
                thread::sleep(Duration::from_millis(2));
            }
        });
        let status = (worst >> 32) as u8;
        let root = size - 1 - (worst & 0xffff_ffff) as i32;
        // The chosen rank's message, to every rank.
        let mut bytes = if rank == root { message.unwrap_or("").as_bytes().to_vec() } else { Vec::new() };
        let mut length = bytes.len() as u64;
        let chosen = self.comm.process_at_rank(root);
        chosen.broadcast_into(&mut length);
        bytes.resize(length as usize, 0);
        if length > 0 {
            chosen.broadcast_into(&mut bytes[..]);
        }
        let message = (length > 0).then(|| String::from_utf8_lossy(&bytes).into_owned());
        Verdict { status, message }
    }

    /// A check every rank makes where all ranks are sure to arrive: if any
    /// rank found a `problem`, every rank fails with the first rank's.
    pub fn refuse_if_any(&self, problem: Option<String>) -> Result<()> {
        let verdict = self.agree(u8::from(problem.is_some()), problem.as_deref(), || {});
        match verdict.message {
            Some(message) if verdict.status != 0 => Err(Error::usage(message)),
            _ => Ok(()),
        }
    }
}

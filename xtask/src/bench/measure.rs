//! Wall time, CPU time and peak RSS of one child process, from `wait4`.

use std::{
    process::Command,
    time::{Duration, Instant},
};

/// What one run of a command cost.
#[derive(Clone, Copy, Debug)]
pub struct Measured {
    pub wall: Duration,
    pub cpu: Duration,
    pub max_rss_kib: u64,
}

/// Runs the command to completion and reads its resource usage.
///
/// Every run starts with nothing left to write back: what earlier runs left
/// dirty in the page cache is synced first. Otherwise a contender that syncs
/// its file (the export, for durability) would wait behind the unsynced
/// megabytes of the contender before it (on ext4, an fsync commits the
/// filesystem journal, which writes out other files' ordered data too), and
/// one that never syncs would leave its cost to the next.
pub fn run(command: &mut Command) -> Result<Measured, String> {
    // SAFETY: sync() takes no arguments and cannot fail.
    unsafe { libc::sync() };
    let started = Instant::now();
    let child = command
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let pid = libc::pid_t::try_from(child.id()).map_err(|e| e.to_string())?;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data that wait4 fills in; zero is a valid
    // initial value for every field.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child's pid with valid pointers to a status
    // word and a rusage struct; std's `Child` never waits on drop.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    if reaped != pid {
        return Err(format!(
            "wait4 failed for {command:?}: {}",
            std::io::Error::last_os_error()
        ));
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        return Err(format!("{command:?} failed (wait status {status})"));
    }
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1_000);
    Ok(Measured {
        wall,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss as u64,
    })
}

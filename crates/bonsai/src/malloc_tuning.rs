//! glibc malloc raises its mmap threshold every time a large block is freed, up to 32 MiB.
//! Argon2 allocates ~19 MiB per password hash, so after the first few sign-ins those blocks
//! come from per-thread arenas that are never given back: the benchmark measured RSS going
//! from 13 MiB to ~360 MiB after 100 sign-ups, and staying there. A fixed threshold (1 MiB)
//! keeps large blocks in mmap, returned to the system on free (RSS after the same seeding:
//! ~23 MiB). The threshold is read from the environment when the process starts, before
//! `main`, so the binary re-executes itself once with it set. An explicit setting wins.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn apply() {
    use std::os::unix::process::CommandExt;

    const VAR: &str = "MALLOC_MMAP_THRESHOLD_";
    if std::env::var_os(VAR).is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(VAR, "1048576")
        .exec();
    // exec only returns on failure; run untuned rather than not at all.
    eprintln!("warning: could not apply malloc tuning ({err}); continuing without it");
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn apply() {}

//! The `bonsai` binary: CLI, config, wiring, serving and shutdown.

mod cli;
mod config;
mod malloc_tuning;
mod tls;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    malloc_tuning::apply();
    let args = cli::Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .max_blocking_threads(8)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

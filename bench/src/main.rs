//! `bonsai-bench`: seeds a small instance, drives a Mastodon-API workload open-loop, samples
//! the server's RSS and CPU from /proc, and writes JSON, Markdown and an SVG plot.

mod args;
mod burst;
mod content;
mod fedmix;
mod hist;
mod http;
mod media;
mod metrics;
mod procfs;
mod report;
mod rng;
mod run;
mod sampler;
mod seed;
mod server;
mod sim;
mod stats;
mod streams;
mod svg;
mod workload;
mod world;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command_line = std::env::args().collect::<Vec<_>>().join(" ");
    // One thread: the bench shares a small machine with the server it measures, and a few
    // hundred requests a second do not need more.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Run(args) => run::run(*args, command_line).await,
            Command::Seed(args) => run::seed_only(args).await,
        }
    });
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

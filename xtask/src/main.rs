//! `cargo xtask`: regenerate from the upstream document, and check for drift.

use std::{process::ExitCode, time::Duration};

use clap::{Parser, Subcommand};
use xtask::{document, drift, report, root, source, DOCUMENT, PROVENANCE};

/// Maintenance tasks for arize-audit-logs.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Extract list_audit_logs from an upstream document, write it normalised to
    /// openapi/arize-audit-logs.yaml with its provenance, refresh the
    /// generated-code snapshot, and print the drift report.
    ///
    /// With --check, change nothing: exit 1 when the checked-in document is not
    /// in normalised form or the generated-code snapshot is stale.
    Regen {
        /// The upstream document: a URL or a file (YAML or JSON, OpenAPI 3.0.x).
        #[arg(long, value_name = "URL|PATH", default_value = source::UPSTREAM_URL)]
        from: String,
        /// Check instead of writing.
        #[arg(long, conflicts_with = "from")]
        check: bool,
        /// Do not run cargo to refresh (or check) the generated-code snapshot.
        #[arg(long)]
        no_snapshot: bool,
        /// What the source is, in words, recorded in the provenance (for
        /// example where a file came from).
        #[arg(long, value_name = "TEXT", conflicts_with = "check")]
        note: Option<String>,
        /// Time allowed to fetch a URL, in seconds.
        #[arg(long, value_name = "SECS", default_value_t = 30)]
        timeout: u64,
    },
    /// Rehearse a regeneration on a copy of the crate (target/rehearsal/crate):
    /// regenerate it from the upstream document, refresh its generated-code
    /// snapshot, and run all its tests plus any given with --with-test. The
    /// working tree is not touched.
    Rehearse {
        /// The upstream document: a URL or a file (YAML or JSON, OpenAPI 3.0.x).
        #[arg(long, value_name = "URL|PATH", default_value = source::UPSTREAM_URL)]
        from: String,
        /// A JSON patch (or a drift variant file) to apply to the document first.
        #[arg(long, value_name = "FILE")]
        patch: Option<std::path::PathBuf>,
        /// An extra test file to run in the regenerated crate.
        #[arg(long, value_name = "FILE")]
        with_test: Vec<std::path::PathBuf>,
        /// Run only the tests a new parameter touches (snapshots, request
        /// encoding, validation, the command line) and the extra ones.
        #[arg(long)]
        parameter_tests_only: bool,
        /// Time allowed to fetch a URL, in seconds.
        #[arg(long, value_name = "SECS", default_value_t = 30)]
        timeout: u64,
    },
    /// Benchmark the export against a hand-written floor and the official
    /// Python SDK, at 100k and 1M entries, and sequential against --parallel 8
    /// at 50 ms of latency; print one table and record it in BENCHMARKS.md.
    Bench {
        /// Repetitions of each fast measurement (the median is reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Skip the official Python SDK (its install needs the package index).
        #[arg(long)]
        no_python: bool,
        /// Print the table without writing BENCHMARKS.md.
        #[arg(long)]
        no_write: bool,
        /// Only sequential against --parallel 8 at 50 ms a request, and its
        /// target (BENCHMARKS.md is not written).
        #[arg(long)]
        only_parallel: bool,
    },
    /// Serve prepared pages for the benchmark until killed (used by `bench`).
    #[command(hide = true)]
    BenchServer {
        #[arg(long)]
        entries: usize,
        #[arg(long)]
        pages: usize,
    },
    /// Check that a server behaves as the checked-in document says: bodies
    /// against its schemas (undocumented members and values reported, not
    /// failed), errors as problem+json, limits, refusals, authentication,
    /// order, inclusive bounds, filters and pagination. GET requests only,
    /// every window, filter value and cursor derived from the server's own
    /// answers. The key is read from ARIZE_API_KEY.
    ///
    /// Exit status: 0 every check passed (or was skipped), 1 the only
    /// findings are undocumented members or values, 2 a check failed, 3 it
    /// could not run.
    Conform {
        /// The server's base URL, such as https://api.arize.com.
        #[arg(long, value_name = "URL")]
        base_url: String,
        /// The most requests to send.
        #[arg(long, value_name = "N", default_value_t = xtask::conform::DEFAULT_BUDGET)]
        budget: u32,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// A file of the outcome each check must have (`<outcome> <check
        /// id>` a line, `#` comments), for a server known to fall short in
        /// known ways (a stateless mock): exit 0 when every outcome is as
        /// expected, 2 with the differences otherwise.
        #[arg(long, value_name = "FILE")]
        expect: Option<std::path::PathBuf>,
    },
    /// Check that every relative link and `#anchor` in README.md,
    /// cli/README.md, archive/README.md and docs/*.md leads somewhere: the
    /// file exists, and the anchor is a heading's, by GitHub's rules. Nothing
    /// goes to the network.
    ///
    /// Exit status: 0 every link resolves, 1 a link is broken (each is
    /// printed with its file and line), 3 the check could not run.
    Links,
    /// Compare the checked-in document with the upstream one and report every
    /// difference, classed breaking, additive or docs.
    ///
    /// Exit status: 0 no difference, 1 additive or docs only, 2 breaking,
    /// 3 the comparison could not be made (unreadable input, bad arguments).
    Drift {
        /// The upstream document: a URL or a file (YAML or JSON, OpenAPI 3.0.x).
        #[arg(long, value_name = "URL|PATH", default_value = source::UPSTREAM_URL)]
        upstream: String,
        /// Compare this document instead of the checked-in one (for example
        /// the one checked in before a regeneration, against the new one).
        #[arg(long, value_name = "PATH")]
        checked_in: Option<std::path::PathBuf>,
        /// Print stable JSON instead of the grouped report.
        #[arg(long)]
        json: bool,
        /// Time allowed to fetch a URL, in seconds.
        #[arg(long, value_name = "SECS", default_value_t = 30)]
        timeout: u64,
    },
}

/// Runs `conform` and prints its report; the exit status is the report's.
fn conform(base_url: &str, budget: u32, json: bool, expect: Option<&std::path::Path>) -> ExitCode {
    let expected = match expect.map(std::fs::read_to_string).transpose() {
        Ok(expected) => expected,
        Err(e) => {
            eprintln!("error: cannot read the expectations: {e}");
            return ExitCode::from(FAILED);
        }
    };
    let key = std::env::var("ARIZE_API_KEY")
        .ok()
        .filter(|k| !k.trim().is_empty());
    if key.is_none() {
        eprintln!("warning: ARIZE_API_KEY is not set; only the checks without a key can run");
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(FAILED);
        }
    };
    match runtime.block_on(xtask::conform::run(base_url, key, budget)) {
        Ok(report) => {
            if json {
                let mut value = serde_json::to_value(&report).unwrap_or_default();
                value["exit_code"] = report.exit_code().into();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                );
            } else {
                print!("{}", report.human());
            }
            if let Some(expected) = expected {
                let differences = report.differences(&expected);
                if differences.is_empty() {
                    eprintln!("Every outcome is as expected.");
                    return ExitCode::SUCCESS;
                }
                for difference in &differences {
                    eprintln!("unexpected: {difference}");
                }
                return ExitCode::from(2);
            }
            ExitCode::from(report.exit_code())
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(FAILED)
        }
    }
}

/// Exit status when the command itself fails (distinct from drift's 0/1/2).
const FAILED: u8 = 3;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { FAILED } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Conform {
            base_url,
            budget,
            json,
            expect,
        } => return conform(&base_url, budget, json, expect.as_deref()),
        Command::Regen {
            check: true,
            no_snapshot,
            ..
        } => check(no_snapshot),
        Command::Regen {
            from,
            no_snapshot,
            note,
            timeout,
            ..
        } => regen(&from, no_snapshot, note, Duration::from_secs(timeout)),
        Command::Drift {
            upstream,
            checked_in,
            json,
            timeout,
        } => drift_command(
            &upstream,
            checked_in.as_deref(),
            json,
            Duration::from_secs(timeout),
        ),
        Command::Links => links(),
        Command::Bench {
            runs,
            no_python,
            no_write,
            only_parallel,
        } => xtask::bench::run(&xtask::bench::Options {
            runs: runs.max(1),
            skip_python: no_python,
            write: !no_write && !only_parallel,
            only_parallel,
        })
        .map(|()| 0),
        Command::BenchServer { entries, pages } => xtask::bench::serve(entries, pages).map(|()| 0),
        Command::Rehearse {
            from,
            patch,
            with_test,
            parameter_tests_only,
            timeout,
        } => rehearse_command(
            &from,
            patch.as_deref(),
            &with_test,
            if parameter_tests_only {
                xtask::rehearse::Tests::Parameters
            } else {
                xtask::rehearse::Tests::All
            },
            Duration::from_secs(timeout),
        ),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(FAILED)
        }
    }
}

/// Runs `links`: prints each broken link; 1 when there is one.
fn links() -> Result<u8, String> {
    let broken = xtask::links::check(&root())?;
    for link in &broken {
        eprintln!("{link}");
    }
    if broken.is_empty() {
        println!("Every relative link and anchor in the documentation resolves.");
        Ok(0)
    } else {
        eprintln!("{} broken links", broken.len());
        Ok(1)
    }
}

fn checked_in() -> Result<Vec<u8>, String> {
    let path = root().join(DOCUMENT);
    std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn regen(
    from: &str,
    no_snapshot: bool,
    note: Option<String>,
    timeout: Duration,
) -> Result<u8, String> {
    let upstream = source::read(from, timeout)?;
    let old = checked_in().ok();
    let normalised = xtask::regen::write(&root(), &upstream, from, note.as_deref())?;
    println!("Wrote {DOCUMENT} and {PROVENANCE} from {from}.");

    if !no_snapshot {
        println!(
            "Refreshing the snapshots that follow from the document (generated code, CLI help)…"
        );
        run_snapshot_test("always")?;
        println!("Review the change: git diff tests/snapshots/ cli/tests/snapshots/");
    }

    match old {
        Some(old) if old != normalised.as_bytes() => {
            let before =
                xtask::extracted_typed(&old).map_err(|e| format!("the previous document: {e}"))?;
            let after = xtask::extracted_typed(normalised.as_bytes()).map_err(|e| e.to_string())?;
            print!(
                "\n{}",
                report::human(&drift::compare(&before, &after), "previous document", from)
            );
        }
        Some(_) => println!("No change: the checked-in document was already this."),
        None => {}
    }
    Ok(0)
}

fn check(no_snapshot: bool) -> Result<u8, String> {
    let bytes = checked_in()?;
    let normalised =
        document::extract_normalised(&bytes).map_err(|e| format!("{DOCUMENT}: {e}"))?;
    if normalised.as_bytes() != bytes.as_slice() {
        eprintln!(
            "{DOCUMENT} is not in normalised form. Run `cargo xtask regen --from {DOCUMENT}` and review the diff."
        );
        return Ok(1);
    }
    let provenance = root().join(PROVENANCE);
    let text = std::fs::read_to_string(&provenance)
        .map_err(|e| format!("cannot read {}: {e}", provenance.display()))?;
    serde_json::from_str::<serde_json::Value>(&text)
        .map_err(|e| format!("{PROVENANCE} is not JSON: {e}"))?;
    println!("{DOCUMENT} is in normalised form.");
    if !no_snapshot {
        if let Err(e) = run_snapshot_test("no") {
            eprintln!("The generated-code snapshot is stale: {e}\nRun `cargo xtask regen --from {DOCUMENT}` and review the snapshot diff.");
            return Ok(1);
        }
        println!("The generated-code snapshot matches what progenitor generates from it.");
    }
    Ok(0)
}

/// Runs the snapshot tests that follow from the document; `update` is
/// INSTA_UPDATE.
fn run_snapshot_test(update: &str) -> Result<(), String> {
    xtask::document_snapshots(&root(), update, None)
}

fn drift_command(
    upstream: &str,
    ours: Option<&std::path::Path>,
    json: bool,
    timeout: Duration,
) -> Result<u8, String> {
    let (bytes, name) = match ours {
        Some(path) => (
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            path.display().to_string(),
        ),
        None => (checked_in()?, DOCUMENT.to_owned()),
    };
    let checked = xtask::extracted_typed(&bytes).map_err(|e| format!("{name}: {e}"))?;
    let bytes = source::read(upstream, timeout)?;
    let theirs = xtask::extracted_typed(&bytes).map_err(|e| format!("{upstream}: {e}"))?;
    let findings = drift::compare(&checked, &theirs);
    if json {
        println!("{}", report::json(&findings));
    } else {
        print!("{}", report::human(&findings, &name, upstream));
    }
    Ok(report::exit_code(&findings))
}

fn rehearse_command(
    from: &str,
    patch: Option<&std::path::Path>,
    tests: &[std::path::PathBuf],
    which: xtask::rehearse::Tests,
    timeout: Duration,
) -> Result<u8, String> {
    let mut upstream = source::read(from, timeout)?;
    if let Some(patch) = patch {
        upstream = xtask::rehearse::patched(&upstream, patch)?;
    }
    let before = xtask::extracted_typed(&checked_in()?).map_err(|e| format!("{DOCUMENT}: {e}"))?;
    let after = xtask::extracted_typed(&upstream).map_err(|e| format!("{from}: {e}"))?;
    println!(
        "{}",
        report::human(&drift::compare(&before, &after), DOCUMENT, from)
    );
    xtask::rehearse::rehearse(&upstream, tests, which)?;
    Ok(0)
}

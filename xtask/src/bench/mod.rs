//! `cargo xtask bench`: the export side by side with a hand-written floor and
//! the official Python SDK, at 100k and 1M entries, and sequential against
//! `--parallel 8` at 50 ms of latency. Everything is set up here, on a fresh
//! machine: release builds, a Python virtual environment, local servers.

pub mod measure;
pub mod server;

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};

use std::io::{BufRead, BufReader};

use arize_audit_logs::mock::MockConfig;
use chrono::{DateTime, TimeDelta, Utc};

use crate::root;
use measure::Measured;

/// The official SDK's version the figures are for.
pub const ARIZE_SDK: &str = "arize==8.61.0";

/// How the bench is run.
pub struct Options {
    /// Repetitions of each fast measurement (the median is reported).
    pub runs: usize,
    /// Skip the Python SDK (its install needs the package index).
    pub skip_python: bool,
    /// Write BENCHMARKS.md.
    pub write: bool,
    /// Only sequential against `--parallel 8` at 50 ms a request (nothing
    /// written).
    pub only_parallel: bool,
}

struct Row {
    scenario: String,
    contender: String,
    runs: Vec<Measured>,
    note: String,
}

impl Row {
    fn median<T: Copy + Ord>(&self, f: impl Fn(&Measured) -> T) -> T {
        let mut values: Vec<T> = self.runs.iter().map(f).collect();
        values.sort();
        values[values.len() / 2]
    }
    fn wall(&self) -> Duration {
        self.median(|m| m.wall)
    }
    fn cpu(&self) -> Duration {
        self.median(|m| m.cpu)
    }
    fn rss_mib(&self) -> f64 {
        self.median(|m| m.max_rss_kib) as f64 / 1024.0
    }
}

/// A server in a process of its own, so the bench process stays small: on
/// Linux a child's peak RSS starts from its parent's at the moment it is
/// spawned, so a bench process holding the data would inflate every figure.
struct ServerProcess {
    child: std::process::Child,
    url: String,
}

impl ServerProcess {
    /// Starts `command`, which prints its URL (`http://…`) on a line of stdout.
    fn start(mut command: Command) -> Result<Self, String> {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {command:?}: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let url = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| {
                line.split_whitespace()
                    .find(|w| w.starts_with("http://"))
                    .map(str::to_owned)
            })
            .ok_or_else(|| format!("{command:?} printed no URL"))?;
        // Keep draining its stdout so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(Self { child, url })
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `xtask bench-server`: prepared pages of synthetic entries until killed.
pub fn serve(entries: usize, pages: usize) -> Result<(), String> {
    let data = MockConfig::default()
        .entries(entries)
        .seed(7)
        .end(end())
        .span(TimeDelta::days(30))
        .generate();
    let bytes_per_entry = data
        .iter()
        .map(|e| serde_json::to_vec(e).map(|v| v.len()).unwrap_or(0))
        .sum::<usize>()
        / data.len().max(1);
    let (addr, _stop) = server::start(server::Prepared::new(&data, pages))?;
    drop(data);
    println!("serving {pages} prepared pages ({bytes_per_entry} bytes an entry) at http://{addr}");
    loop {
        std::thread::park();
    }
}

fn end() -> DateTime<Utc> {
    "2026-05-18T12:00:00Z"
        .parse()
        .unwrap_or_else(|_| Utc::now())
}

fn build(dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for args in [
        &[
            "build",
            "--release",
            "--quiet",
            "-p",
            "arize-audit-logs-cli",
            "--bin",
            "arize-audit-logs",
        ][..],
        &[
            "build",
            "--release",
            "--quiet",
            "-p",
            "xtask",
            "--bin",
            "floor",
        ],
    ] {
        let status = Command::new(&cargo)
            .current_dir(dir)
            .args(args)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!("cargo {} failed", args.join(" ")));
        }
    }
    let release = dir.join("target/release");
    Ok((release.join("arize-audit-logs"), release.join("floor")))
}

/// A virtual environment with the official SDK, made once under target/.
fn python_sdk(dir: &Path) -> Result<PathBuf, String> {
    let venv = dir.join("target/bench/venv");
    let python = venv.join("bin/python");
    let marker = venv.join(".arize-installed");
    if !marker.exists() {
        println!(
            "Installing the official Python SDK ({ARIZE_SDK}) in {}…",
            venv.display()
        );
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status();
        if !made.is_ok_and(|s| s.success()) {
            return Err("python3 -m venv failed".into());
        }
        let installed = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                ARIZE_SDK,
            ])
            .status();
        if !installed.is_ok_and(|s| s.success()) {
            return Err(format!("pip install {ARIZE_SDK} failed"));
        }
        std::fs::write(&marker, ARIZE_SDK).map_err(|e| e.to_string())?;
    }
    Ok(python)
}

fn export_command(cli: &Path, base: &str, output: &Path, key: &str, extra: &[&str]) -> Command {
    let _ = std::fs::remove_file(output);
    let mut checkpoint = output.as_os_str().to_owned();
    checkpoint.push(".checkpoint");
    let _ = std::fs::remove_file(PathBuf::from(checkpoint));
    let mut digests = output.as_os_str().to_owned();
    digests.push(".digests");
    let _ = std::fs::remove_file(PathBuf::from(digests));
    let mut command = Command::new(cli);
    command
        .args([
            "export",
            "--base-url",
            base,
            "--page-size",
            "100",
            "--no-progress",
            "--output",
        ])
        .arg(output)
        .args(extra)
        .env("ARIZE_API_KEY", key)
        .stdout(Stdio::null());
    command
}

pub fn run(options: &Options) -> Result<(), String> {
    let dir = root();
    let out = dir.join("target/bench/out");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    println!("Building the CLI and the floor in release mode…");
    let (cli, floor) = build(&dir)?;
    let python = if options.skip_python || options.only_parallel {
        Err("skipped (--no-python)".to_owned())
    } else {
        python_sdk(&dir)
    };
    let script = dir.join("xtask/bench/arize_sdk_export.py");
    let key = "bench-key";
    let window = [
        "--start",
        "2000-01-01T00:00:00Z",
        "--end",
        "2100-01-01T00:00:00Z",
    ];
    let mut rows: Vec<Row> = Vec::new();

    let xtask = std::env::current_exe().map_err(|e| e.to_string())?;
    // Every page distinct (an export checks that entries come newest first
    // and are not repeated): 100 entries a page.
    let prepared = |pages: usize| {
        let mut command = Command::new(&xtask);
        command.args([
            "bench-server",
            "--entries",
            &(pages * 100).to_string(),
            "--pages",
            &pages.to_string(),
        ]);
        ServerProcess::start(command)
    };

    // What every client inherits as its starting RSS (see ServerProcess).
    let baseline = own_peak_rss_mib();

    // A: 100k entries, prepared pages, no delay: the export beside both
    // floors and the Python SDK, and the export at other journal cadences.
    if !options.only_parallel {
        let server = prepared(1_000)?;
        let base = server.url.clone();
        const A: &str = "100k entries, prepared pages";
        let mut ours = Row::new(A, "arize-audit-logs export");
        let mut ocsf = Row::new(A, "arize-audit-logs export --format ocsf");
        let mut raw = Row::new(
            A,
            "raw floor: reqwest + serde_json, &RawValue written verbatim",
        );
        let mut typed = Row::new(A, "typed floor: reqwest + serde_json, decode and re-encode");
        let mut sdk = Row::new(A, "Arize Python SDK (arize 8.61.0)");
        const C: &str = "100k entries, journal cadence";
        let mut every_page = Row::new(C, "export --checkpoint-every 0s (sync + journal each page)");
        let mut hourly = Row::new(
            C,
            "export --checkpoint-every 1h (sync + journal at start and end)",
        );
        const D: &str = "100k entries, tamper-evident";
        let mut signed = Row::new(
            D,
            "export --signing-key (a signed digest each checkpoint, 1s)",
        );
        let mut signed_pages = Row::new(D, "export --signing-key --checkpoint-every 0s");
        let mut verified = Row::new(D, "verify --public-key (of the 0s archive)");
        let signing_key = out.join("bench-signing.key");
        let _ = std::fs::remove_file(&signing_key);
        let _ = std::fs::remove_file(out.join("bench-signing.key.pub"));
        let keygen = Command::new(&cli)
            .arg("keygen")
            .arg(&signing_key)
            .stdout(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        if !keygen.success() {
            return Err("keygen failed".into());
        }
        let signing_key = signing_key.display().to_string();
        let public_key = format!("{signing_key}.pub");
        let floor_run = |mode: &str, output: &str| {
            let mut command = Command::new(&floor);
            command
                .arg(mode)
                .arg(&base)
                .arg(out.join(output))
                .env("ARIZE_API_KEY", key);
            measure::run(&mut command)
        };
        for run in 0..options.runs {
            println!("  100k run {}/{}", run + 1, options.runs);
            ours.runs.push(measure::run(&mut export_command(
                &cli,
                &base,
                &out.join("cli.jsonl"),
                key,
                &window,
            ))?);
            let mut ocsf_args = window.to_vec();
            ocsf_args.extend(["--format", "ocsf"]);
            ocsf.runs.push(measure::run(&mut export_command(
                &cli,
                &base,
                &out.join("cli.ocsf.jsonl"),
                key,
                &ocsf_args,
            ))?);
            raw.runs.push(floor_run("raw", "floor-raw.jsonl")?);
            typed.runs.push(floor_run("typed", "floor-typed.jsonl")?);
            let cadence = |every: &str| {
                let mut args = window.to_vec();
                args.extend(["--checkpoint-every", every]);
                measure::run(&mut export_command(
                    &cli,
                    &base,
                    &out.join("cli-cadence.jsonl"),
                    key,
                    &args,
                ))
            };
            every_page.runs.push(cadence("0s")?);
            hourly.runs.push(cadence("1h")?);
            let digested = |output: &str, every: &str| {
                let mut args = window.to_vec();
                args.extend(["--signing-key", &signing_key, "--checkpoint-every", every]);
                measure::run(&mut export_command(
                    &cli,
                    &base,
                    &out.join(output),
                    key,
                    &args,
                ))
            };
            signed.runs.push(digested("cli-signed.jsonl", "1s")?);
            signed_pages
                .runs
                .push(digested("cli-signed-pages.jsonl", "0s")?);
            let mut verify = Command::new(&cli);
            verify
                .arg("verify")
                .arg(out.join("cli-signed-pages.jsonl"))
                .args(["--public-key", &public_key])
                .stdout(Stdio::null());
            verified.runs.push(measure::run(&mut verify)?);
            if let Ok(python) = &python {
                if run < options.runs.min(3) {
                    let mut command = Command::new(python);
                    command
                        .arg(&script)
                        .arg(&base)
                        .arg(out.join("python.jsonl"))
                        .env("ARIZE_API_KEY", key)
                        .stdout(Stdio::null())
                        .stderr(Stdio::null());
                    sdk.runs.push(measure::run(&mut command)?);
                }
            }
        }
        let same = |other: &str| same_file(&out.join("cli.jsonl"), &out.join(other));
        ours.note = if same("floor-raw.jsonl") {
            "output identical to the raw floor's".into()
        } else {
            "OUTPUT DIFFERS from the raw floor's".into()
        };
        raw.note = "the same file".into();
        ocsf.note = format!(
            "{} OCSF events, one an entry",
            count_lines(&out.join("cli.ocsf.jsonl"))
        );
        typed.note = if same("floor-typed.jsonl") {
            "the same file (the pages hold no unknown members)".into()
        } else {
            "a different file".into()
        };
        every_page.note = "1,000 syncs".into();
        hourly.note = "2 syncs".into();
        signed.note = if same("cli-signed.jsonl") {
            "the same file, and its digests".into()
        } else {
            "OUTPUT DIFFERS from the plain export's".into()
        };
        signed_pages.note = "1,000 signed digests".into();
        verified.note = "intact: every line and signature checked".into();
        if let Err(why) = &python {
            sdk.note = format!("not measured: {why}");
        } else {
            sdk.note = format!("{} entries written", count_lines(&out.join("python.jsonl")));
        }
        rows.extend([
            ours,
            ocsf,
            raw,
            typed,
            sdk,
            every_page,
            hourly,
            signed,
            signed_pages,
            verified,
        ]);
    }

    // B: 1M entries for the CLI: memory stays flat.
    if !options.only_parallel {
        let server = prepared(10_000)?;
        let base = server.url.clone();
        let mut big = Row::new("1M entries, prepared pages", "arize-audit-logs export");
        for run in 0..options.runs.min(3) {
            println!("  1M run {}/{}", run + 1, options.runs.min(3));
            big.runs.push(measure::run(&mut export_command(
                &cli,
                &base,
                &out.join("cli-1m.jsonl"),
                key,
                &window,
            ))?);
        }
        big.note = "10,000 pages".into();
        let _ = std::fs::remove_file(out.join("cli-1m.jsonl"));
        let mut big_ocsf = Row::new(
            "1M entries, prepared pages",
            "arize-audit-logs export --format ocsf",
        );
        for run in 0..options.runs.min(3) {
            println!("  1M OCSF run {}/{}", run + 1, options.runs.min(3));
            let mut args = window.to_vec();
            args.extend(["--format", "ocsf"]);
            big_ocsf.runs.push(measure::run(&mut export_command(
                &cli,
                &base,
                &out.join("cli-1m.ocsf.jsonl"),
                key,
                &args,
            ))?);
        }
        big_ocsf.note = "10,000 pages".into();
        let _ = std::fs::remove_file(out.join("cli-1m.ocsf.jsonl"));
        rows.extend([big, big_ocsf]);
    }

    // C: 20k entries from the fake server at 50 ms a request.
    {
        let mut command = Command::new(&cli);
        command.args([
            "serve-mock",
            "--listen",
            "127.0.0.1:0",
            "--entries",
            "20000",
            "--seed",
            "8",
            "--latency",
            "50ms",
        ]);
        let server = ServerProcess::start(command)?;
        // The fake server's entries span the 30 days before it started.
        let range = ["--since", "40d"];
        let mut sequential = Row::new(
            "20k entries, fake server, 50 ms a request",
            "export (sequential)",
        );
        let mut parallel = Row::new(
            "20k entries, fake server, 50 ms a request",
            "export --parallel 8",
        );
        for run in 0..options.runs.min(3) {
            println!("  latency run {}/{}", run + 1, options.runs.min(3));
            let seq_out = out.join("seq.jsonl");
            let par_out = out.join("par.jsonl");
            sequential.runs.push(measure::run(&mut export_command(
                &cli,
                &server.url,
                &seq_out,
                "mock-admin-key",
                &range,
            ))?);
            let mut args = range.to_vec();
            args.extend(["--parallel", "8"]);
            parallel.runs.push(measure::run(&mut export_command(
                &cli,
                &server.url,
                &par_out,
                "mock-admin-key",
                &args,
            ))?);
            if !same_file(&seq_out, &par_out) {
                return Err("the parallel export differs from the sequential one".into());
            }
        }
        sequential.note = "200 requests".into();
        parallel.note = "output identical to sequential".into();
        rows.extend([sequential, parallel]);
    }

    let table = render(&rows);
    println!("\n{table}");
    if options.only_parallel {
        return Ok(());
    }
    println!("Measuring page decoding (cargo bench --bench decode)…");
    let decode = decode_throughput(&dir);
    println!("{decode}");
    if options.write {
        let text = benchmarks_md(
            &format!("{table}\n### Page decoding\n\n```text\n{decode}```\n"),
            options,
            baseline,
        );
        std::fs::write(dir.join("BENCHMARKS.md"), text).map_err(|e| e.to_string())?;
        println!("Wrote BENCHMARKS.md.");
    }
    Ok(())
}

impl Row {
    fn new(scenario: &str, contender: &str) -> Self {
        Self {
            scenario: scenario.into(),
            contender: contender.into(),
            runs: Vec::new(),
            note: String::new(),
        }
    }
}

/// Whether two files hold the same bytes, read in chunks: the bench process
/// must stay small (see [`ServerProcess`]).
fn same_file(a: &Path, b: &Path) -> bool {
    use std::io::Read;
    let (Ok(mut a), Ok(mut b)) = (std::fs::File::open(a), std::fs::File::open(b)) else {
        return false;
    };
    let (mut x, mut y) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = read_full(&mut a, &mut x);
        let m = read_full(&mut b, &mut y);
        if n != m || x[..n] != y[..m] {
            return false;
        }
        if n == 0 {
            return true;
        }
    }
    fn read_full(file: &mut std::fs::File, buf: &mut [u8]) -> usize {
        let mut filled = 0;
        while filled < buf.len() {
            match file.read(&mut buf[filled..]) {
                Ok(0) | Err(_) => break,
                Ok(n) => filled += n,
            }
        }
        filled
    }
}

fn count_lines(path: &Path) -> usize {
    use std::io::BufRead;
    std::fs::File::open(path)
        .map(|f| std::io::BufReader::new(f).split(b'\n').count())
        .unwrap_or(0)
}

/// The criterion benchmark's results: each benchmark's time and throughput.
fn decode_throughput(dir: &Path) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(dir)
        .args([
            "bench",
            "--quiet",
            "--bench",
            "decode",
            "--features",
            "mock",
            "--",
            "--noplot",
        ])
        .stderr(Stdio::null())
        .output();
    match output {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .lines()
            // The benchmark names and figures, not criterion's comparison with an earlier run.
            .filter(|l| {
                (l.starts_with("decode") || l.contains("time:") || l.contains("thrpt:"))
                    && !l.contains('%')
            })
            .map(|l| format!("{l}\n"))
            .collect(),
        Ok(o) => format!("cargo bench failed ({})\n", o.status),
        Err(e) => format!("cannot run cargo bench: {e}\n"),
    }
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn render(rows: &[Row]) -> String {
    let mut out = String::from(
        "| scenario | contender | runs | wall (median) | CPU (median) | peak RSS (median) | note |\n|---|---|---|---|---|---|---|\n",
    );
    for row in rows {
        if row.runs.is_empty() {
            out.push_str(&format!(
                "| {} | {} | 0 | – | – | – | {} |\n",
                row.scenario, row.contender, row.note
            ));
            continue;
        }
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.1} MiB | {} |\n",
            row.scenario,
            row.contender,
            row.runs.len(),
            secs(row.wall()),
            secs(row.cpu()),
            row.rss_mib(),
            row.note
        ));
    }
    let find = |scenario: &str, contender: &str| {
        rows.iter().find(|r| {
            r.scenario.starts_with(scenario)
                && r.contender.starts_with(contender)
                && !r.runs.is_empty()
        })
    };
    out.push_str("\n| target | measured | met |\n|---|---|---|\n");
    let mut target =
        |name: &str, measured: Option<f64>, unit: &str, ok: &dyn Fn(f64) -> bool| match measured {
            Some(v) => out.push_str(&format!(
                "| {name} | {v:.2}{unit} | {} |\n",
                if ok(v) { "yes" } else { "NO" }
            )),
            None => out.push_str(&format!("| {name} | not measured | – |\n")),
        };
    let ratio =
        |a: Option<&Row>, b: Option<&Row>| Some(a?.wall().as_secs_f64() / b?.wall().as_secs_f64());
    let cpu_ratio =
        |a: Option<&Row>, b: Option<&Row>| Some(a?.cpu().as_secs_f64() / b?.cpu().as_secs_f64());
    target(
        "CLI wall time within 1.1x of the raw floor (100k)",
        ratio(
            find("100k entries, prepared", "arize-audit-logs"),
            find("100k entries, prepared", "raw floor"),
        ),
        "x",
        &|v| v <= 1.1,
    );
    target(
        "CLI CPU time within 1.25x of the raw floor (100k)",
        cpu_ratio(
            find("100k entries, prepared", "arize-audit-logs"),
            find("100k entries, prepared", "raw floor"),
        ),
        "x",
        &|v| v <= 1.25,
    );
    target(
        "OCSF export CPU at most 2x the JSON Lines export's (100k)",
        cpu_ratio(
            find(
                "100k entries, prepared",
                "arize-audit-logs export --format ocsf",
            ),
            find("100k entries, prepared", "arize-audit-logs export"),
        ),
        "x",
        &|v| v <= 2.0,
    );
    target(
        "OCSF export RSS flat from 100k to 1M (ratio)",
        (|| {
            Some(
                find("1M", "arize-audit-logs export --format ocsf")?.rss_mib()
                    / find("100k", "arize-audit-logs export --format ocsf")?.rss_mib(),
            )
        })(),
        "x",
        &|v| v <= 1.25,
    );
    target(
        "CLI peak RSS at most 25 MiB (100k)",
        find("100k", "arize-audit-logs").map(Row::rss_mib),
        " MiB",
        &|v| v <= 25.0,
    );
    target(
        "CLI peak RSS at most 25 MiB (1M)",
        find("1M", "arize-audit-logs").map(Row::rss_mib),
        " MiB",
        &|v| v <= 25.0,
    );
    let flat = (|| {
        Some(
            find("1M", "arize-audit-logs")?.rss_mib() / find("100k", "arize-audit-logs")?.rss_mib(),
        )
    })();
    target("RSS flat from 100k to 1M (ratio)", flat, "x", &|v| {
        v <= 1.25
    });
    target(
        "at least 5x faster than the Python SDK (100k)",
        ratio(
            find("100k", "Arize Python"),
            find("100k", "arize-audit-logs"),
        ),
        "x",
        &|v| v >= 5.0,
    );
    target(
        "--parallel 8 at least 7x faster than sequential (50 ms)",
        ratio(
            find("20k", "export (sequential)"),
            find("20k", "export --parallel"),
        ),
        "x",
        &|v| v >= 7.0,
    );
    out
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<u64>()
                    .unwrap_or(0)
            })
        })
        .map(|kib| format!("{:.0} GiB", kib as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let python = Command::new("python3")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, {memory}; {rustc}; {python}")
}

/// This process's own peak RSS in MiB: no child's figure can read lower.
fn own_peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|t| {
            t.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn benchmarks_md(table: &str, options: &Options, baseline_mib: f64) -> String {
    format!(
        "# Benchmarks\n\n\
         Measured with `cargo xtask bench` on {date}, on {machine}.\n\n\
         Every figure is the median of the runs shown ({runs} for the fast cases; the 1M, latency and \
         Python cases at most 3), all contenders measured in the same invocation, interleaved run by \
         run, so machine noise affects them alike. Before each run the page cache is synced \
         (`sync`), so no run waits behind the unsynced output of the one before. Wall time, CPU \
         time (user + system) and peak RSS come from `wait4` on each client process. The servers run in processes of their own (a \
         child's peak RSS on Linux starts from its parent's size when it is spawned, so the bench \
         process stays small: {own:.1} MiB before the first client starts, so every client figure \
         includes a baseline of about that size and none can read lower): \
         prepared pages (built before timing, served with no delay, cursors `p1`, `p2`, …) for the \
         100k and 1M cases, and `arize-audit-logs serve-mock --latency 50ms` for the parallel case. \
         The floors are `xtask/src/bin/floor.rs`: reqwest + serde_json, no validation, retries or \
         journal; the raw floor borrows each entry as `&RawValue` and writes it verbatim (lossless, \
         no re-encoding: the least work any correct exporter can do), the typed floor decodes the \
         eight documented members and encodes them again. The journal-cadence rows show what \
         syncing costs: the export syncs its data and replaces its journal at most once a second \
         by default, after every page with `--checkpoint-every 0s`, and only at the start and end \
         with `1h`. The tamper-evident rows export the same pages with `--signing-key` (a key from \
         `keygen`), which reads each checkpoint's new lines back from disk, hashes each line and \
         the unit with SHA-256 and appends a signed digest, then `verify --public-key` the archive \
         of 1,000 digests. The Python SDK runs `xtask/bench/arize_sdk_export.py` with {sdk} in a virtual \
         environment.\n\n{table}\n\
         Reproduce: `cargo xtask bench` (add `--no-python` to skip the SDK, `--runs N` to change the \
         repetitions). The decoder's throughput: `cargo bench --bench decode`.\n",
        date = Utc::now().format("%Y-%m-%d"),
        machine = machine(),
        runs = options.runs,
        sdk = ARIZE_SDK,
        own = baseline_mib,
    )
}

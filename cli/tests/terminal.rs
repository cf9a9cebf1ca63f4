//! In a real terminal (a pseudo-terminal the test opens): `list` fits its
//! table to the terminal's width, and `export` draws a progress line with
//! the share of the range written and the time left.

mod common;

use std::{io::Read, time::Duration};

use arize_audit_logs::mock::{Faults, MockServer};
use common::cli::{export_args, END, START};
use portable_pty::{CommandBuilder, PtySize};

/// The terminal's height: enough that nothing scrolls away.
const ROWS: u16 = 300;

/// Runs the tool in a terminal `cols` wide; what the terminal showed, and
/// whether the tool succeeded.
fn in_terminal(args: Vec<String>, key: String, cols: u16) -> (String, bool) {
    let pty = portable_pty::native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pseudo-terminal");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_arize-audit-logs"));
    cmd.args(&args);
    for name in common::STEERING_ENV {
        cmd.env_remove(name);
    }
    cmd.env_remove("NO_COLOR");
    cmd.env("ARIZE_API_KEY", key);
    cmd.env("ARIZE_CONFIG_FILE", common::NO_CONFIG_FILE);
    cmd.env("TERM", "xterm-256color");
    let mut child = pty.slave.spawn_command(cmd).expect("spawns");
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().expect("reader");
    let reading = std::thread::spawn(move || {
        let mut shown = Vec::new();
        // Linux answers EIO once the tool has exited; what was read stays.
        let _ = reader.read_to_end(&mut shown);
        shown
    });
    let status = child.wait().expect("waits");
    drop(pty.master);
    let shown = reading.join().expect("reader thread");
    (
        String::from_utf8_lossy(&shown).into_owned(),
        status.success(),
    )
}

/// The fake server of [`common::cli::server`], answering after `latency_ms`.
async fn slow_server(entries: usize, seed: u64, latency_ms: u64) -> MockServer {
    let server = common::cli::server(entries, seed).await;
    server.set_faults(Faults::none().latency(Duration::from_millis(latency_ms)));
    server
}

/// `text` without terminal control sequences (colours, cursor moves).
fn visible(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else if c != '\r' {
            out.push(c);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn list_fits_its_table_to_the_terminals_width() {
    let server = common::cli::server(40, 11).await;
    for cols in [80u16, 100, 132] {
        let args = [
            "list",
            "--base-url",
            &server.uri(),
            "--end",
            END,
            "--limit",
            "10",
        ]
        .map(String::from)
        .to_vec();
        let key = server.api_key().to_owned();
        let (shown, ok) = tokio::task::spawn_blocking(move || in_terminal(args, key, cols))
            .await
            .expect("joins");
        assert!(ok, "{shown}");
        let shown = visible(&shown);
        let table: Vec<&str> = shown
            .lines()
            .filter(|l| l.starts_with(['┌', '│', '╞', '└']))
            .collect();
        assert_eq!(table.len(), 14, "a line a row, header and borders: {shown}");
        for line in table {
            assert!(line.chars().count() <= usize::from(cols), "{cols}: {line}");
        }
        assert!(!shown.contains('\t'), "a table, not TSV, on a terminal");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn export_shows_the_share_of_the_range_and_the_time_left() {
    let server = slow_server(3_000, 5, 60).await;
    let dir = std::env::temp_dir().join(format!("arize-terminal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let output = dir.join("export.jsonl");
    let args = export_args(&server.uri(), &output, &[]);
    let key = server.api_key().to_owned();
    let (shown, ok) = tokio::task::spawn_blocking(move || in_terminal(args, key, 120))
        .await
        .expect("joins");
    assert!(ok, "{shown}");
    let shown = visible(&shown);
    let shares: Vec<f64> = shown
        .match_indices("% of the range")
        .filter_map(|(at, _)| {
            let before = &shown[..at];
            let start = before.rfind(' ').map_or(0, |i| i + 1);
            before[start..].parse().ok()
        })
        .collect();
    assert!(
        shares.len() >= 3,
        "the line was drawn as the export went: {shown}"
    );
    assert!(
        shares.windows(2).all(|w| w[0] <= w[1]),
        "the share never goes back: {shares:?}"
    );
    assert!(
        shares.iter().any(|s| *s > 0.0 && *s < 100.0),
        "partway shares: {shares:?}"
    );
    assert!(
        shown.contains(" left]"),
        "an estimate of the time left: {shown}"
    );
    assert!(
        shown.contains(", 1 page,") && !shown.contains(", 1 pages"),
        "{shown}"
    );
    assert!(shown.contains("Exported "), "{shown}");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn request_logs_are_written_whole_above_the_progress_line_in_colour() {
    let server = slow_server(600, 8, 40).await;
    let dir = common::temp_dir("terminal-logs");
    let output = dir.join("export.jsonl");
    let args = [
        "export",
        "-vv",
        "--base-url",
        &server.uri(),
        "--start",
        START,
        "--end",
        END,
        "--page-size",
        "20",
        "--output",
        &output.display().to_string(),
    ]
    .map(String::from)
    .to_vec();
    let key = server.api_key().to_owned();
    const COLS: u16 = 500;
    let (shown, ok) = tokio::task::spawn_blocking(move || in_terminal(args, key, COLS))
        .await
        .expect("joins");
    assert!(ok, "{shown}");
    assert!(
        visible(&shown).contains("% of the range"),
        "the progress line was drawn: {shown}"
    );
    // What the terminal shows at the end, as a terminal would show it.
    let mut terminal = vt100::Parser::new(ROWS, COLS, 0);
    terminal.process(shown.as_bytes());
    let screen = terminal.screen().contents();
    let logs: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("request method="))
        .collect();
    assert_eq!(
        logs.len() as u64,
        server.requests(),
        "one line per request: {screen}"
    );
    for line in &logs {
        assert!(
            line.starts_with("20")
                && line.contains(" DEBUG request method=\"GET\" path=/v2/audit-logs?")
                && line.contains(" status=200 attempt=1 duration_ms=")
                && !line.contains("% of the range"),
            "a whole log line, untouched by the progress line: {line:?}"
        );
    }
    assert!(
        shown.contains("m DEBUG") || shown.contains("mDEBUG"),
        "the level is coloured on a terminal"
    );
    assert!(
        !screen.contains("% of the range"),
        "the line is cleared at the end"
    );
}

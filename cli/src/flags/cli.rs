//! Command-line arguments.

use std::{path::PathBuf, time::Duration};

use arize_audit_logs::{MAX_LIMIT, MIN_LIMIT};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::{
    flags::help_headings as heading, flags::query_flags::QueryFlags, terminal::logging::LogFormat,
};

/// Export and inspect the Arize AX audit log (GET /v2/audit-logs).
///
/// The API key is read from ARIZE_API_KEY or from --api-key-file, never from a
/// command-line argument (other users can read those from the process list).
#[derive(Debug, Parser)]
#[command(name = "arize-audit-logs", version, max_term_width = 100)]
#[command(
    after_help = "Exit codes:\n  0    success\n  1    internal error or local I/O failure\n  2    usage or validation error (nothing was sent)\n  3    authentication or permission error (401, 403, no API key)\n  4    server or network failure, or entries that break the API's document (written as sent);\n       the message says how to resume\n  5    verify: the archive is not intact (its findings are printed)\n  130  interrupted (Ctrl-C); the message says how to resume\n  143  stopped by SIGTERM before an export that is not following finished (a followed one\n       exits 0); the message says how to resume"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print one page of entries (or all with --all) as a table or JSON.
    List(ListArgs),
    /// Export every entry in a range to JSON Lines, CSV, a JSON array or OCSF.
    Export(ExportArgs),
    /// Print the JSON Schema of one exported line.
    Schema(SchemaArgs),
    /// Run the embedded fake Arize server on a port.
    ServeMock(ServeMockArgs),
    /// Export from the embedded fake server over real HTTP and summarise.
    Demo(DemoArgs),
    /// Show the config file's location and the settings in effect, with where each comes from.
    #[command(after_help = CONFIG_HELP)]
    Config(ConfigArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Print the manual page (roff), of the tool or of one command.
    Man(ManArgs),
    /// Check an archive written with --digests: every unit, line and digest,
    /// the chain and its signatures; with --against-arize, that it holds
    /// what Arize holds.
    #[command(after_help = VERIFY_HELP)]
    Verify(VerifyArgs),
    /// Write a new Ed25519 key pair for signing digests: FILE (private,
    /// mode 0600) and FILE.pub (public), as PEM.
    Keygen(KeygenArgs),
}

/// What `verify` reports and how it exits.
pub const VERIFY_HELP: &str = "\
Findings, each with the file or object, the digest (unit) and the line:
  modified        a line or unit differs from what was digested
  missing         a digested line, or a whole object, is gone
  unexpected      a line or object no digest covers
  chain_broken    a digest is missing, repeated, replayed, unreadable or from another archive
  bad_signature   a signature the public key does not verify
  unsigned        a digest without a signature where one was expected
  duplicate       an id on two lines
  out_of_range    a line's created_at is outside its unit's range
  not_an_entry    a line that is not an entry
  not_in_archive  (--against-arize) an id Arize returns that the archive lacks
  not_in_arize    (--against-arize) an id Arize no longer returns: reported, not a flaw
  incomplete      (--against-arize) the request budget ran out

Exit codes: 0 intact; 5 not intact (findings); 2 usage; 1 the archive cannot be read;
3 and 4 as for export (--against-arize).";

impl Command {
    /// The logging the command asks for: `-v`s and `--log-format`.
    pub fn logging(&self) -> (u8, LogFormat) {
        let connection = match self {
            Self::List(args) => &args.connection,
            Self::Export(args) => &args.connection,
            Self::Verify(args) => &args.connection,
            _ => return (0, LogFormat::Text),
        };
        (
            connection.verbose,
            connection.log_format.unwrap_or_default(),
        )
    }
}

/// How the config file looks and which setting wins.
pub const CONFIG_HELP: &str = "\
The config file (TOML) holds named profiles; the key itself is never stored there, only a key file's path:

  [profiles.default]
  region = \"eu-west-1a\"
  api_key_file = \"eu.key\"        # relative to the config file's directory, or ~/...

  [profiles.onprem]
  base_url = \"https://arize.example.com\"
  api_key_file = \"~/.secrets/arize-onprem.key\"
  page_size = 100
  max_attempts = 8
  timeout = \"45s\"

Each setting takes the first of:
  1. its flag (--base-url, --region, --api-key-file, --max-attempts, --timeout, --page-size/--limit)
  2. the profile --profile names (this file's, else ax's ~/.arize/profiles/NAME.toml)
  3. the environment (ARIZE_API_KEY; ARIZE_BASE_URL, else the SDK's ARIZE_REGION, ARIZE_SINGLE_HOST,
     ARIZE_SINGLE_PORT, ARIZE_BASE_DOMAIN, ARIZE_API_HOST with ARIZE_API_SCHEME and ARIZE_API_PORT)
  4. the profile ARIZE_PROFILE names (this file's, else ax's), else the profile \"default\",
     else ax's active profile (ax profiles use NAME)
  5. the built-in default (global region, 5 attempts, 60s)
A named profile replaces the default one rather than adding to it. An ax profile gives the host and
the credentials only. Regions take ax's aliases US, EU and CA.";

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print where the config file is looked for (ARIZE_CONFIG_FILE, else the
    /// platform's config directory).
    Path,
    /// Print each connection setting in effect and where it comes from.
    Show(ConfigShowArgs),
    /// Write a commented config file with one profile, from flags alone
    /// (it asks nothing), and print its path. An existing file is never
    /// replaced without --force.
    Init(ConfigInitArgs),
    /// Print the profile names --profile takes, one a line: the config
    /// file's, then the `ax` tool's (~/.arize/profiles/NAME.toml). Shell
    /// completions call it.
    Profiles,
}

/// `config init`'s arguments.
#[derive(Debug, Args)]
pub struct ConfigInitArgs {
    /// The profile's name.
    #[arg(long, value_name = "NAME", default_value = crate::connection::config::DEFAULT_PROFILE)]
    pub profile: String,
    /// The profile's region [default: none set, which means global].
    #[arg(long, value_name = "REGION", value_parser = region_parser(), hide_possible_values = true)]
    pub region: Option<String>,
    /// The profile's base URL, for a host no region names (not with --region).
    #[arg(long, value_name = "URL", conflicts_with = "region")]
    pub base_url: Option<String>,
    /// The file whose first line is the API key (the key itself is never
    /// written into the config); a relative path is written as absolute
    /// [default: none set, so ARIZE_API_KEY is read].
    #[arg(long, value_name = "FILE")]
    pub api_key_file: Option<PathBuf>,
    /// Where to write it [default: where `config path` says].
    #[arg(long, value_name = "FILE")]
    pub path: Option<PathBuf>,
    /// Replace the file if it exists (atomically; never through a symbolic
    /// link).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ConfigShowArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
    /// Write the script where the shell looks for a user's completions
    /// (bash: $XDG_DATA_HOME/bash-completion/completions, fish:
    /// $XDG_CONFIG_HOME/fish/completions), creating the directory, and print
    /// the path. zsh, PowerShell and elvish have no such place: redirect
    /// stdout into a directory of your fpath or profile instead.
    #[arg(long)]
    pub install: bool,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// A command (such as export) for its own page; the tool's page without one.
    #[arg(value_name = "COMMAND", conflicts_with = "dir")]
    pub command: Option<String>,
    /// Write every page (the tool's and one for each command, as
    /// arize-audit-logs-COMMAND.1) into DIR, creating it, and print their
    /// paths; for example `--dir ~/.local/share/man/man1`.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

/// Where the API is and how to authenticate. Each setting comes from its
/// flag, else the profile --profile names, else the environment, else the
/// profile ARIZE_PROFILE names (or the profile `default`), else the default.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = heading::CONNECTION)]
pub struct ConnectionArgs {
    /// Use this profile of the config file (see `config path`).
    #[arg(long, value_name = "NAME", global = true)]
    pub profile: Option<String>,
    /// Read the API key from this file (first line). Without it, ARIZE_API_KEY is used.
    #[arg(long, value_name = "FILE", global = true)]
    pub api_key_file: Option<PathBuf>,
    /// The API's base URL, for a host no region names (default: ARIZE_BASE_URL, else the region's).
    #[arg(long, value_name = "URL", global = true)]
    pub base_url: Option<String>,
    /// The region: global, eu-west-1a, ca-central-1a, us-central-1a or us-east-1b
    /// (default: ARIZE_REGION, else global).
    #[arg(long, value_name = "REGION", global = true, value_parser = region_parser(), hide_possible_values = true)]
    pub region: Option<String>,
    /// Most attempts per request (1 turns retries off) [default: 5].
    #[arg(long, value_name = "N", global = true, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_attempts: Option<u32>,
    /// Time allowed for one request (e.g. 30s, 2m) [default: 60s].
    #[arg(long, value_name = "DURATION", value_parser = parse_positive, global = true)]
    pub timeout: Option<Duration>,
    /// The largest response body accepted, in bytes [default: 33554432, 32 MiB].
    #[arg(long, value_name = "BYTES", global = true, value_parser = parse_bytes)]
    pub max_response_bytes: Option<usize>,
    /// Log to stderr: -v retries, -vv every request (method, path and query,
    /// status, attempt, duration, request id), -vvv everything.
    #[arg(short, long, action = clap::ArgAction::Count, global = true, help_heading = heading::LOGGING)]
    pub verbose: u8,
    /// How log lines look: text, or json (one object a line, for journald, a
    /// log shipper or a log store). Colour only on a terminal, never with
    /// NO_COLOR [default: text].
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        global = true,
        hide_possible_values = true,
        help_heading = heading::LOGGING
    )]
    pub log_format: Option<LogFormat>,
}

/// The query filters.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = heading::RANGE)]
pub struct FilterArgs {
    /// Inclusive lower bound on created_at (RFC 3339, or a date for midnight UTC).
    #[arg(long, value_name = "TIME", value_parser = parse_time, conflicts_with = "since")]
    pub start: Option<DateTime<Utc>>,
    /// Inclusive upper bound on created_at (default: now, fixed when the command starts).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub end: Option<DateTime<Utc>>,
    /// The window ending at --end (or now): e.g. 7d, 24h, 90m.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub since: Option<Duration>,
    /// One flag per other query parameter of the document.
    #[command(flatten)]
    pub query: QueryFlags,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Entries per page, 1-100 [default: the profile's page_size, else the server's, 50].
    #[arg(help_heading = heading::RANGE, long, value_name = "N", value_parser = clap::value_parser!(u32).range(i64::from(MIN_LIMIT)..=i64::from(MAX_LIMIT)))]
    pub limit: Option<u32>,
    /// Start at this cursor (a previous page's next_cursor).
    #[arg(help_heading = heading::RANGE, long, value_name = "CURSOR")]
    pub cursor: Option<String>,
    /// Every page, not just the first.
    #[arg(help_heading = heading::RANGE, long)]
    pub all: bool,
    /// How to print: table (fitted to the terminal, the default on one), tsv
    /// (tab-separated lines without a header: created_at, operation_type,
    /// operation_name, user_id, ip, id; the default into a pipe or file), or
    /// json (the page, or with --all an array of entries).
    #[arg(help_heading = heading::OUTPUT, long, value_enum, value_name = "FORMAT", hide_possible_values = true)]
    pub format: Option<ListFormat>,
    /// The same as --format json.
    #[arg(help_heading = heading::OUTPUT, long, conflicts_with = "format")]
    pub json: bool,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// `schema`'s arguments.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The export format whose line to describe: an entry as sent (jsonl),
    /// or the OCSF event made from it (ocsf).
    #[arg(long, value_enum, default_value_t = SchemaFormat::Jsonl)]
    pub format: SchemaFormat,
}

/// `schema --format`: the formats that are one JSON object a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaFormat {
    /// An entry exactly as the server sent it.
    Jsonl,
    /// An OCSF API Activity event.
    Ocsf,
}

/// `list --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Tsv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One JSON object a line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON array.
    Json,
    /// One OCSF API Activity event a line (JSON Lines), each holding its
    /// entry as sent in `raw_data`.
    Ocsf,
}

/// `export --order`: how the entries of each batch are written.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    /// As the API sends them: newest first.
    #[default]
    NewestFirst,
    /// Each batch (one page) reversed, oldest first: what a SIEM indexes.
    OldestFirst,
}

// Each flag's value is the engine's format or order (`From` below), which
// names it and says what it allows: the flags keep only their help texts.

impl From<Format> for arize_audit_logs_archive::Format {
    fn from(format: Format) -> Self {
        match format {
            Format::Jsonl => Self::Jsonl,
            Format::Csv => Self::Csv,
            Format::Json => Self::Json,
            Format::Ocsf => Self::Ocsf,
        }
    }
}

impl From<Order> for arize_audit_logs_archive::Order {
    fn from(order: Order) -> Self {
        match order {
            Order::NewestFirst => Self::NewestFirst,
            Order::OldestFirst => Self::OldestFirst,
        }
    }
}

// Entries per request when `--page-size` is not given: the engine's.
pub use arize_audit_logs_archive::DEFAULT_PAGE_SIZE;

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Write to this file instead of stdout (needed for --resume); `-` is
    /// stdout. An existing file, even an empty one, is never replaced unless
    /// --overwrite is given, and no file the export writes (output, journal,
    /// state, digests) is written through a symbolic link. A device or FIFO
    /// (such as /dev/null) is written like stdout: no journal beside it
    /// unless --state is given. Or s3://BUCKET/PREFIX/
    /// for gzip-compressed JSON Lines (or OCSF) objects in an S3-compatible store, one
    /// per batch and day under dt=YYYY-MM-DD/, named after their content, with
    /// a _manifest.json of SHA-256s and counts per day; its state in --state,
    /// else in the prefix. One export writes a prefix at a time.
    #[arg(help_heading = heading::OUTPUT, short, long, value_name = "FILE|URL")]
    pub output: Option<PathBuf>,
    /// Pages per upload into a bucket: each upload makes one object per day
    /// it covers [default: 100].
    #[arg(help_heading = heading::TUNING, long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..), default_value_t = 100, hide_default_value = true)]
    pub batch_pages: u64,
    /// With --follow into a bucket: store what the polls bring at most this
    /// often, holding it in the export's state (--state, else the prefix's
    /// _state.json) until then, so a quiet account writes an object per day
    /// covered per interval rather than per poll. The state is still saved
    /// at every poll; a batch reaching --batch-pages is stored at once, and a
    /// stop (SIGTERM, Ctrl-C) stores what is held first. 0s stores every
    /// poll; at most 24h [default: 5m].
    #[arg(help_heading = heading::TUNING, long, value_name = "DURATION", value_parser = parse_batch_interval, requires = "follow")]
    pub batch_interval: Option<Duration>,
    /// The S3-compatible service's endpoint, for a store other than AWS's
    /// [default: AWS_ENDPOINT_URL, else AWS]. Credentials and region come from
    /// the AWS environment, else the AWS CLI's files, else the instance role.
    #[arg(help_heading = heading::OUTPUT, long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Replace --output if it already exists (only once the first entries
    /// arrive: a failed start leaves the old file as it was).
    #[arg(help_heading = heading::OUTPUT, long, requires = "output", conflicts_with = "resume")]
    pub overwrite: bool,
    /// The file format [default: jsonl]. An entry that breaks the API's
    /// document (a member missing or of the wrong type) is written as sent in
    /// every format (CSV: the member's JSON text), counted and warned about,
    /// and the export exits 4 once complete.
    #[arg(help_heading = heading::OUTPUT, long, value_enum)]
    pub format: Option<Format>,
    /// The order of the entries within each batch (one page, the unit
    /// acknowledged in the state): newest-first, as the API sends them, or
    /// oldest-first, chronological, as SIEMs index. While following, each
    /// poll's new entries are usually one batch [default: newest-first].
    #[arg(help_heading = heading::OUTPUT, long, value_enum, value_name = "ORDER", hide_possible_values = true)]
    pub order: Option<Order>,
    /// Entries per request, 1-100 [default: the profile's page_size, else 100].
    #[arg(help_heading = heading::TUNING, long, value_name = "N", value_parser = clap::value_parser!(u32).range(i64::from(MIN_LIMIT)..=i64::from(MAX_LIMIT)))]
    pub page_size: Option<u32>,
    /// Continue the interrupted export of --output from its journal
    /// (FILE.checkpoint, or --state): same host, key source, filters and format.
    #[arg(help_heading = heading::SERVICE, long, requires = "output")]
    pub resume: bool,
    /// Keep the export's state (its journal) in this file, and continue from
    /// it when it exists: the same command, run again after a stop or a
    /// crash, goes on where the last saved batch ended, so it can run as a
    /// service. With --output: the file gets every entry exactly once. To
    /// stdout (--format jsonl or ocsf): every entry at least once; after a crash at
    /// most one batch (one page) is written again, and each line's `id`
    /// tells the repeats apart. The range flags (--start, --end, --since)
    /// only apply to the run that creates the state. A later run may change
    /// how it runs (--interval, --lookback, --page-size, --checkpoint-every,
    /// --batch-pages, --batch-interval, metrics, logging), not what it archives (host,
    /// filters, format, order, output).
    #[arg(help_heading = heading::SERVICE, long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// After catching up, poll for newer entries and append them.
    #[arg(help_heading = heading::SERVICE, long)]
    pub follow: bool,
    /// How often --follow polls [default: 30s].
    #[arg(help_heading = heading::SERVICE, long, value_name = "DURATION", value_parser = parse_interval, requires = "follow")]
    pub interval: Option<Duration>,
    /// How far back each --follow poll re-reads (up to the server's clock,
    /// from its Date header), writing only ids it has not written: an entry
    /// that becomes visible up to this long after its created_at (commit lag,
    /// a replica behind, a server clock behind) is still exported, once, and
    /// counted. A later one is not: `verify --against-arize` reports it. 0s
    /// turns it off; at most 24h [default: 5m].
    #[arg(help_heading = heading::SERVICE, long, value_name = "DURATION", value_parser = parse_lookback, requires = "follow")]
    pub lookback: Option<Duration>,
    /// Stop after this many entries.
    #[arg(help_heading = heading::RANGE, long, value_name = "N", conflicts_with = "follow")]
    pub max_entries: Option<u64>,
    /// Fetch this many time windows at once (1: sequential). The file is the
    /// same as a sequential export's [default: 1].
    #[arg(help_heading = heading::TUNING, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64), conflicts_with_all = ["max_entries", "cursor"])]
    pub parallel: Option<u16>,
    /// Start at this cursor (printed by a failed export to stdout).
    #[arg(help_heading = heading::RANGE, long, value_name = "CURSOR", conflicts_with = "resume")]
    pub cursor: Option<String>,
    /// Skip this many entries of the first page (printed with --cursor).
    #[arg(help_heading = heading::RANGE, long, value_name = "N", default_value_t = 0, requires = "cursor")]
    pub skip: usize,
    /// How often the journal is brought up to date (0s: after every page).
    /// Data is synced to disk before the journal that counts it; a crash
    /// re-fetches at most this much, and the file is exact either way.
    #[arg(help_heading = heading::TUNING, long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "1s")]
    pub checkpoint_every: Duration,
    /// Write a digest chain beside the archive, so `verify` can prove it
    /// unchanged: FILE.digests for a file (--format jsonl or ocsf), _digests/ under
    /// a bucket's prefix. A digest covers each checkpoint's new lines (each
    /// uploaded object), written once they are durable.
    #[arg(help_heading = heading::INTEGRITY, long)]
    pub digests: bool,
    /// Sign each digest with this Ed25519 private key (from `keygen`; it must
    /// not be readable by others). Implies --digests.
    #[arg(help_heading = heading::INTEGRITY, long, value_name = "FILE")]
    pub signing_key: Option<PathBuf>,
    /// Never draw a progress bar.
    #[arg(help_heading = heading::LOGGING, long)]
    pub no_progress: bool,
    /// Serve /metrics (Prometheus text format: entries, pages, requests by
    /// status, retries, rate-limit waits, last successful poll, lag) and
    /// /healthz on HOST:PORT, e.g. 127.0.0.1:9464 or localhost:9464. A host
    /// name is resolved when the command starts, and every address it
    /// resolves to is listened on (localhost: 127.0.0.1 and ::1).
    #[arg(help_heading = heading::SERVICE, long, value_name = "HOST:PORT", value_parser = crate::flags::listen_addr::parse)]
    pub metrics_listen: Option<crate::flags::listen_addr::ListenAddr>,
    /// /healthz fails once the last successful poll is older than this many
    /// poll intervals (--interval) [default: 3].
    #[arg(help_heading = heading::SERVICE, long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..), requires = "metrics_listen", hide_default_value = true)]
    pub health_intervals: u32,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The archive: a JSON Lines file (its digests in FILE.digests), or
    /// s3://BUCKET/PREFIX/.
    #[arg(value_name = "PATH|URL")]
    pub archive: PathBuf,
    /// The file archive's digests [default: PATH.digests].
    #[arg(long, value_name = "FILE")]
    pub digests: Option<PathBuf>,
    /// Check every digest's signature with this public key (FILE.pub from
    /// `keygen`): an unsigned or badly signed digest is a finding.
    #[arg(long, value_name = "FILE")]
    pub public_key: Option<PathBuf>,
    /// The SHA-256 of a digest recorded from an earlier verify ("head"): it
    /// must still be in the chain, which catches an archive rolled back to
    /// an older chain.
    #[arg(long, value_name = "SHA256", value_parser = parse_sha256)]
    pub head: Option<String>,
    /// Check only units and lines from this time on (the chain is always
    /// checked whole).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub start: Option<DateTime<Utc>>,
    /// Check only units and lines up to this time.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub end: Option<DateTime<Utc>>,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Also read the range from the API (needs the API key) and report ids
    /// the archive lacks and ids Arize no longer returns. Nothing is changed.
    #[arg(long)]
    pub against_arize: bool,
    /// At most this many pages (requests, each retried as --max-attempts
    /// allows, waiting as Retry-After asks) for --against-arize [default: 1000].
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..), requires = "against_arize", hide_default_value = true)]
    pub max_requests: u64,
    /// The S3-compatible service's endpoint (as for export).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// The private key's file (created with mode 0600, never replacing a
    /// file); the public key goes to FILE.pub.
    #[arg(value_name = "FILE")]
    pub path: PathBuf,
}

#[derive(Debug, Args)]
pub struct ServeMockArgs {
    /// The address to listen on, HOST:PORT; a host name listens on the
    /// first address it resolves to.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080", value_parser = crate::flags::listen_addr::parse)]
    pub listen: crate::flags::listen_addr::ListenAddr,
    /// Add one entry dated now this often (e.g. 2s), as a real account
    /// grows, to show `export --follow`.
    #[arg(long, value_name = "DURATION", value_parser = parse_positive)]
    pub append_every: Option<Duration>,
    /// Show each entry --append-every adds only some time after its
    /// created_at: a seeded delay from 0 up to this (e.g. 3s), as commit lag
    /// or a replica behind does.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "0s", hide_default_value = true, requires = "append_every")]
    pub visibility_lag: Duration,
    /// Run the server's clock this far behind the real one (e.g. 2s): its
    /// Date header, the created_at of appended entries and its default
    /// end_time.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "0s", hide_default_value = true)]
    pub clock_behind: Duration,
    /// How long an access token from POST /oauth2/token is accepted (e.g.
    /// 5s), as Arize's app host signs in `ax`.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "1h")]
    pub oauth_token_lifetime: Duration,
    /// A refresh token POST /oauth2/token accepts once, as if `ax auth
    /// login` had just issued it (repeatable).
    #[arg(long, value_name = "TOKEN", default_value = "mock-refresh-token")]
    pub oauth_refresh_token: Vec<String>,
    #[command(flatten)]
    pub mock: MockArgs,
}

/// How the fake server is set up.
#[derive(Debug, Args)]
pub struct MockArgs {
    /// How many entries the fake server holds.
    #[arg(long, default_value_t = 2_500)]
    pub entries: usize,
    /// Seed of the synthetic data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Delay before every answer (e.g. 50ms).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "0s")]
    pub latency: Duration,
    /// Probability of a 429 answer, 0 to 1 (0.05: one answer in twenty).
    #[arg(long, default_value_t = 0.0, value_parser = parse_probability)]
    pub rate_limit: f64,
    /// Retry-After seconds sent with a 429.
    #[arg(long, default_value_t = 1)]
    pub retry_after: u64,
    /// Probability of a 503 answer.
    #[arg(long, default_value_t = 0.0, value_parser = parse_probability)]
    pub server_error: f64,
    /// Probability of closing the connection without an answer.
    #[arg(long, default_value_t = 0.0, value_parser = parse_probability)]
    pub drop_connection: f64,
    /// Probability of breaking off halfway through the body.
    #[arg(long, default_value_t = 0.0, value_parser = parse_probability)]
    pub truncate_body: f64,
    /// Fraction of entries with an operation type the document does not list.
    #[arg(long, default_value_t = 0.0, value_parser = parse_probability)]
    pub unknown_operation_types: f64,
    /// Add members the document does not declare to every page and entry.
    #[arg(long)]
    pub unknown_members: bool,
    /// Cut pages wrongly, as a misbehaving server would: each page starting
    /// with the last entry of the page before (overlap), every page repeating
    /// the first under a fresh cursor (loop), or entries oldest first.
    #[arg(long, value_enum, default_value_t = PageFaultArg::None)]
    pub page_fault: PageFaultArg,
}

/// `--page-fault`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PageFaultArg {
    None,
    Overlap,
    Loop,
    OldestFirst,
}

impl From<PageFaultArg> for arize_audit_logs::mock::PageFault {
    fn from(arg: PageFaultArg) -> Self {
        match arg {
            PageFaultArg::None => Self::None,
            PageFaultArg::Overlap => Self::Overlap,
            PageFaultArg::Loop => Self::Loop,
            PageFaultArg::OldestFirst => Self::OldestFirst,
        }
    }
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the export [default: a new directory under the system's
    /// temporary directory].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace --output if it already exists.
    #[arg(long, requires = "output")]
    pub overwrite: bool,
    /// The file format.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub format: Format,
    #[command(flatten)]
    pub mock: MockArgs,
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| format!("{text:?} is neither an RFC 3339 time (2026-05-18T12:00:00Z) nor a date (2026-05-18)"))
}

/// `--timeout`, `--append-every`: a duration above zero.
fn parse_positive(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if duration.is_zero() {
        return Err("give a duration above zero".into());
    }
    Ok(duration)
}

/// `--region`: [`parse_region`], offering the known regions' names to shell
/// completions (any other name reaches the check that lists them).
fn region_parser() -> impl clap::builder::TypedValueParser<Value = String> {
    crate::flags::completion_values::RegionParser::new(parse_region)
}

/// `--region`: a name, never empty (an empty one would quietly mean the
/// global region); which names exist is checked with the other settings.
fn parse_region(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err(format!(
            "give a region name: {}",
            arize_audit_logs::Region::known_names()
        ));
    }
    Ok(text.to_owned())
}

/// `verify --head`: a SHA-256 as `verify` prints it, 64 hexadecimal digits.
fn parse_sha256(text: &str) -> Result<String, String> {
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "a SHA-256 is 64 hexadecimal digits, as `verify` prints it after \"head:\"; this \
             is {} characters{}",
            text.chars().count(),
            if text.chars().all(|c| c.is_ascii_hexdigit()) {
                ""
            } else {
                ", not all of them hexadecimal digits"
            }
        ));
    }
    Ok(text.to_ascii_lowercase())
}

/// The fake server's `--rate-limit` and other fault knobs: a probability,
/// from 0 (never) to 1 (every answer).
fn parse_probability(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        Ok(_) => Err(format!(
            "{text} is not a probability: give a number from 0 (never) to 1 (every answer)"
        )),
        Err(_) => Err(format!("{text:?} is not a number from 0 to 1")),
    }
}

/// `--max-response-bytes`: at least one byte.
fn parse_bytes(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a number of bytes")),
    }
}

/// `--interval`: a duration of at least a second (a shorter one would poll
/// the API in a tight loop).
/// The longest `--lookback`: the ids of one look-back are kept in memory
/// and in the state.
pub const MAX_LOOKBACK: Duration = Duration::from_secs(24 * 60 * 60);

/// The longest `--batch-interval`: entries fetched wait at most this long
/// before they are in the bucket.
pub const MAX_BATCH_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);

/// Parses `--batch-interval`: a duration from 0s (store every poll) up to
/// [`MAX_BATCH_INTERVAL`].
fn parse_batch_interval(text: &str) -> Result<Duration, String> {
    let interval = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if interval > MAX_BATCH_INTERVAL {
        return Err(format!(
            "{text:?} is over a day; --batch-interval holds fetched entries in the state at \
             most a day before storing them"
        ));
    }
    Ok(interval)
}

/// Parses `--lookback`: a duration from 0s (no look-back) up to
/// [`MAX_LOOKBACK`].
fn parse_lookback(text: &str) -> Result<Duration, String> {
    let lookback = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if lookback > MAX_LOOKBACK {
        return Err(format!(
            "at most {}: each poll re-reads the look-back, and keeps the ids written in it",
            humantime::format_duration(MAX_LOOKBACK)
        ));
    }
    Ok(lookback)
}

fn parse_interval(text: &str) -> Result<Duration, String> {
    let interval = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if interval < Duration::from_secs(1) {
        return Err(format!(
            "{text:?} is under one second; --follow polls the API at most once a second"
        ));
    }
    Ok(interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_interval_takes_zero_up_to_a_day() {
        assert_eq!(parse_batch_interval("0s"), Ok(Duration::ZERO));
        assert_eq!(
            parse_batch_interval("5m"),
            Ok(crate::bucket::batch::DEFAULT)
        );
        assert_eq!(parse_batch_interval("24h"), Ok(MAX_BATCH_INTERVAL));
        assert!(parse_batch_interval("25h")
            .expect_err("refused")
            .contains("over a day"));
        assert!(parse_batch_interval("soon").is_err());
    }

    #[test]
    fn every_export_flag_is_under_a_heading_and_list_and_verify_share_theirs() {
        use clap::CommandFactory;
        let cli = Cli::command();
        let heading_of = |command: &str, flag: &str| {
            cli.find_subcommand(command)
                .and_then(|c| c.get_arguments().find(|a| a.get_long() == Some(flag)))
                .unwrap_or_else(|| panic!("{command} --{flag}"))
                .get_help_heading()
                .map(str::to_owned)
        };
        let export = cli.find_subcommand("export").expect("export");
        let loose: Vec<&str> = export
            .get_arguments()
            .filter(|a| a.get_help_heading().is_none())
            .filter_map(|a| a.get_long())
            .filter(|long| *long != "help")
            .collect();
        assert!(loose.is_empty(), "export flags under no heading: {loose:?}");
        let headings: std::collections::BTreeSet<&str> = export
            .get_arguments()
            .filter_map(|a| a.get_help_heading())
            .collect();
        assert_eq!(headings.len(), 7, "{headings:?}");
        // A heading a flattened struct sets carries on to the flags after
        // it: list's own flags name theirs.
        assert_eq!(heading_of("list", "json").as_deref(), Some(heading::OUTPUT));
        for (flag, heading) in [
            ("start", heading::RANGE),
            ("operation-name", heading::RANGE),
            ("profile", heading::CONNECTION),
            ("log-format", heading::LOGGING),
        ] {
            for command in ["list", "export", "verify"] {
                if command == "verify" && matches!(flag, "start" | "operation-name") {
                    continue;
                }
                assert_eq!(
                    heading_of(command, flag).as_deref(),
                    Some(heading),
                    "{command} --{flag}"
                );
            }
        }
    }

    #[test]
    fn lookback_flag_refuses_more_than_a_day() {
        assert_eq!(parse_lookback("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_lookback("0s"), Ok(Duration::ZERO));
        assert!(parse_lookback("2days").is_err());
    }
}

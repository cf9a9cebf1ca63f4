//! `config path` and `config show`: where the config file is looked for,
//! and every connection setting in effect with where it comes from (never
//! the key itself, only where it would be read from).

use arize_audit_logs::{DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT};
use serde_json::{json, Value};

use crate::{
    connection::config,
    connection::connect::{self, KeyChoice, Location, Source},
    failure::Failure,
    flags::cli::{ConfigArgs, ConfigCommand, ConfigShowArgs, DEFAULT_PAGE_SIZE},
    terminal::stdout,
};

pub fn run(args: ConfigArgs) -> Result<(), Failure> {
    match args.command {
        ConfigCommand::Path => {
            let path = config::location().ok_or_else(|| {
                Failure::Usage(format!(
                    "this platform has no config directory; set {} to a file",
                    config::CONFIG_FILE_ENV
                ))
            })?;
            stdout::write_all(format!("{}\n", path.display()).as_bytes())
        }
        ConfigCommand::Show(args) => show(&args),
        ConfigCommand::Init(args) => super::config_init::run(args),
        ConfigCommand::Profiles => super::config_profiles::run(),
    }
}

fn setting(value: Value, source: &Source) -> Value {
    json!({ "value": value, "source": source.to_string() })
}

fn show(args: &ConfigShowArgs) -> Result<(), Failure> {
    let s = connect::settings(&args.connection)?;
    let (location, location_source) = &s.location;
    let region = match location {
        Location::Region(region) => Some(region.name().to_owned()),
        Location::BaseUrl(_) => None,
    };
    let key = match &s.key {
        Some((KeyChoice::File(path), source)) => {
            json!({ "from": "file", "path": path.display().to_string(), "source": source.to_string() })
        }
        Some((KeyChoice::Env, source)) => {
            json!({ "from": "environment", "source": source.to_string() })
        }
        Some((KeyChoice::Ax(profile), source)) => json!({
            "from": "ax_profile",
            "path": profile.path.display().to_string(),
            "auth_method": profile.auth.method(),
            "source": source.to_string(),
        }),
        None => Value::Null,
    };
    let key = match key {
        Value::Object(mut k) if k["from"] == "file" => {
            let exists = k["path"]
                .as_str()
                .is_some_and(|p| std::path::Path::new(p).is_file());
            k.insert("exists".into(), json!(exists));
            Value::Object(k)
        }
        other => other,
    };
    // What each command sends when no flag says: `export` its own default,
    // `list` nothing, so the server's.
    let (export_size, list_size) = match &s.page_size {
        Some((n, source)) => (setting(json!(n), source), setting(json!(n), source)),
        None => (
            setting(json!(DEFAULT_PAGE_SIZE), &Source::Default),
            setting(json!(SERVER_PAGE_SIZE), &Source::Server),
        ),
    };
    let report = json!({
        "config_file": {
            "path": s.config.path.as_ref().map(|p| p.display().to_string()),
            "found": s.config.found,
            "profiles": s.config.names(),
        },
        "profile": s.profile.as_ref().map(|(name, via)| match &s.ax_profile {
            Some(path) => json!({ "name": name, "selected_by": via, "ax_profile": path.display().to_string() }),
            None => json!({ "name": name, "selected_by": via }),
        }),
        "base_url": setting(json!(location.base_url()), location_source),
        "region": region,
        "api_key": key,
        "max_attempts": setting(json!(s.max_attempts.0), &s.max_attempts.1),
        "timeout": match &s.timeout {
            Some((t, source)) => setting(json!(humantime::format_duration(*t).to_string()), source),
            None => setting(json!(humantime::format_duration(DEFAULT_TIMEOUT).to_string()), &Source::Default),
        },
        "page_size": export_size.clone(),
        "page_size_by_command": { "export": export_size, "list": list_size },
        "max_response_bytes": match s.max_response_bytes {
            Some(n) => setting(json!(n), &Source::Flag("--max-response-bytes")),
            None => setting(json!(DEFAULT_MAX_RESPONSE_BYTES), &Source::Default),
        },
    });
    if args.json {
        let mut text = serde_json::to_vec_pretty(&report)
            .map_err(|e| Failure::Io(format!("cannot encode JSON: {e}")))?;
        text.push(b'\n');
        return stdout::write_all(&text);
    }
    stdout::write_all(text(&report).as_bytes())
}

/// The page size `list` uses when neither `--limit` nor a profile says:
/// none is sent, and the server answers 50 (its document's default).
const SERVER_PAGE_SIZE: u32 = 50;

/// One value when every command uses the same, else each command's.
fn page_sizes(by_command: &Value) -> String {
    let one = |v: &Value| {
        let value = match &v["value"] {
            Value::Null => "-".to_owned(),
            other => other.to_string(),
        };
        format!("{value}  ({})", v["source"].as_str().unwrap_or("-"))
    };
    let (export, list) = (&by_command["export"], &by_command["list"]);
    if export == list {
        one(export)
    } else {
        format!("export {}, list {}", one(export), one(list))
    }
}

/// The report as aligned lines.
fn text(r: &Value) -> String {
    let str_of = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    };
    let with_source = |v: &Value| format!("{}  ({})", str_of(&v["value"]), str_of(&v["source"]));
    let file = &r["config_file"];
    let profiles = file["profiles"]
        .as_array()
        .map(|p| p.iter().map(str_of).collect::<Vec<_>>().join(", "))
        .unwrap_or_default();
    let file_line = match (file["found"].as_bool(), profiles.is_empty()) {
        (Some(true), false) => format!("{}  (profiles: {profiles})", str_of(&file["path"])),
        (Some(true), true) => format!("{}  (no profiles)", str_of(&file["path"])),
        _ => format!("{}  (not found)", str_of(&file["path"])),
    };
    let profile = match &r["profile"] {
        Value::Null => "-  (none)".to_owned(),
        p if p["ax_profile"].is_string() => format!(
            "{}  (ax profile {}, selected by {})",
            str_of(&p["name"]),
            str_of(&p["ax_profile"]),
            str_of(&p["selected_by"])
        ),
        p => format!(
            "{}  (selected by {})",
            str_of(&p["name"]),
            str_of(&p["selected_by"])
        ),
    };
    let key = match &r["api_key"] {
        Value::Null => {
            "none: set ARIZE_API_KEY, or use --api-key-file or a profile's api_key_file".to_owned()
        }
        k if k["from"] == "file" && k["exists"] == false => format!(
            "missing: {} does not exist  ({})",
            str_of(&k["path"]),
            str_of(&k["source"])
        ),
        k if k["from"] == "file" => format!(
            "read from {}  ({})",
            str_of(&k["path"]),
            str_of(&k["source"])
        ),
        k if k["from"] == "ax_profile" => format!(
            "the {} of the ax profile {}  ({})",
            if k["auth_method"] == "oauth" {
                "OAuth access token"
            } else {
                "api_key"
            },
            str_of(&k["path"]),
            str_of(&k["source"])
        ),
        k => format!("read from ARIZE_API_KEY  ({})", str_of(&k["source"])),
    };
    let rows = [
        ("config file", file_line),
        ("profile", profile),
        ("base URL", with_source(&r["base_url"])),
        ("API key", key),
        ("max attempts", with_source(&r["max_attempts"])),
        ("timeout", with_source(&r["timeout"])),
        ("page size", page_sizes(&r["page_size_by_command"])),
        ("max response bytes", with_source(&r["max_response_bytes"])),
    ];
    rows.iter()
        .map(|(name, value)| format!("{name:<20}{value}\n"))
        .collect()
}

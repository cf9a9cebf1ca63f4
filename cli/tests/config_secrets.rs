//! Secrets stay secret in every error about a config or key file: the
//! message names the file, the line and column and the setting, and never
//! quotes the file's text, whatever the mistake.

mod common;

use common::std_command;

/// A key with nothing in it that a message would say by itself.
const KEY: &str = "sk-live-Q7x9Zr4Vt2Wp8Ym3Kd6";

/// No six characters in a row of the key appear in `output`.
fn assert_no_piece_of_the_key(output: &str, case: &str) {
    let key: Vec<char> = KEY.chars().collect();
    for piece in key.windows(6) {
        let piece: String = piece.iter().collect();
        assert!(
            !output.contains(&piece),
            "{case}: {piece:?} of the key is in the output:\n{output}"
        );
    }
}

/// `config show` with `text` as the config file: stdout and stderr together.
fn config_show(text: &[u8]) -> (Option<i32>, String, std::path::PathBuf, common::TempDir) {
    let dir = common::temp_dir("config-secrets");
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write");
    let out = std_command(&["config", "show"], None)
        .env("ARIZE_CONFIG_FILE", &path)
        .output()
        .expect("runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), all, path, dir)
}

/// A mistake, the file's text, the line and column the message names (column
/// 0: any), and the setting it names.
type Case = (&'static str, String, (usize, usize), Option<&'static str>);

#[test]
fn a_config_file_that_does_not_parse_never_echoes_the_key() {
    let cases: [Case; 8] = [
        (
            "an unterminated string",
            format!("[profiles.default]\napi_key_file = \"{KEY}\n"),
            (2, 0),
            Some("api_key_file"),
        ),
        (
            "an unquoted value",
            format!("[profiles.default]\nregion = {KEY}\n"),
            (2, 10),
            Some("region"),
        ),
        (
            "an unknown field apikey",
            format!("[profiles.default]\napikey = \"{KEY}\"\n"),
            (2, 1),
            Some("apikey"),
        ),
        (
            "an unknown field token",
            format!("[profiles.default]\ntoken = \"{KEY}\"\n"),
            (2, 1),
            Some("token"),
        ),
        (
            "the key as an unknown field's name",
            format!("[profiles.default]\n{KEY} = 1\n"),
            (2, 1),
            None,
        ),
        (
            "a bare line",
            format!("[profiles.default]\n{KEY}\n"),
            (2, 0),
            None,
        ),
        (
            "a duplicate key",
            format!("[profiles.default]\nregion = \"global\"\nregion = \"{KEY}\"\n"),
            (3, 1),
            Some("region"),
        ),
        (
            "the key itself in the file",
            format!("[profiles.default]\napi_key = \"{KEY}\"\n"),
            (2, 1),
            Some("api_key"),
        ),
    ];
    for (case, text, (line, column), field) in cases {
        let (code, output, path, _dir) = config_show(text.as_bytes());
        assert_eq!(code, Some(2), "{case}: a usage error: {output}");
        assert_no_piece_of_the_key(&output, case);
        assert!(
            output.contains(&path.display().to_string()),
            "{case}: names the file: {output}"
        );
        let at = if column == 0 {
            format!("line {line}, column ")
        } else {
            format!("line {line}, column {column}")
        };
        assert!(output.contains(&at), "{case}: names {at}: {output}");
        if let Some(field) = field {
            assert!(
                output.contains(&format!("`{field}`")),
                "{case}: names the setting: {output}"
            );
        }
    }
}

#[test]
fn a_value_of_the_wrong_type_is_named_and_not_quoted() {
    for (text, field) in [
        (
            format!("[profiles.a]\npage_size = \"{KEY}\"\n"),
            "page_size",
        ),
        (format!("[profiles.a]\ntimeout = \"{KEY}\"\n"), "timeout"),
    ] {
        let (code, output, _, _dir) = config_show(text.as_bytes());
        assert_eq!(code, Some(2), "{output}");
        assert_no_piece_of_the_key(&output, field);
        assert!(output.contains(&format!("`{field}`")), "{output}");
        assert!(output.contains("line 2, column"), "{output}");
    }
}

#[test]
fn a_config_file_over_64_kib_is_refused() {
    let mut text = b"[profiles.default]\nregion = \"global\"\n".to_vec();
    text.resize(64 * 1024 + 1, b'#');
    let (code, output, _, _dir) = config_show(&text);
    assert_eq!(code, Some(2), "{output}");
    assert!(output.contains("larger than 64 KiB"), "{output}");
}

#[cfg(unix)]
#[test]
fn an_endless_key_file_is_refused() {
    let out = std_command(
        &[
            "export",
            "--api-key-file",
            "/dev/zero",
            "--base-url",
            "http://127.0.0.1:9",
        ],
        None,
    )
    .output()
    .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "a key problem: {stderr}");
    assert!(stderr.contains("larger than 64 KiB"), "{stderr}");
}

#[test]
fn a_key_file_that_is_not_text_is_refused_without_quoting_it() {
    let dir = common::temp_dir("key-not-text");
    let path = dir.join("key");
    let mut bytes = KEY.as_bytes().to_vec();
    bytes.extend([0xff, 0xfe]);
    std::fs::write(&path, bytes).expect("write");
    let out = std_command(
        &[
            "export",
            "--api-key-file",
            path.to_str().expect("utf8"),
            "--base-url",
            "http://127.0.0.1:9",
        ],
        None,
    )
    .output()
    .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert_no_piece_of_the_key(&stderr, "a key file that is not text");
    assert!(stderr.contains("not UTF-8"), "{stderr}");
}

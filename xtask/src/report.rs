//! The drift report: grouped by class for people, stable JSON for machines.

use serde::Serialize;

use crate::drift::{verdict, Class, Finding};

/// Exit status of `drift`: 0 no difference, 1 additive or docs only, 2 breaking.
pub fn exit_code(findings: &[Finding]) -> u8 {
    match verdict(findings) {
        None => 0,
        Some(Class::Additive | Class::Docs) => 1,
        Some(Class::Breaking) => 2,
    }
}

pub fn human(findings: &[Finding], checked_in: &str, upstream: &str) -> String {
    let mut out =
        format!("Spec drift of the audit-log operation: {checked_in} (checked in) vs {upstream}\n");
    let Some(worst) = verdict(findings) else {
        out.push_str("No drift: the upstream operation and everything it references match the checked-in document.\n");
        return out;
    };
    out.push_str(&format!(
        "Verdict: {} ({} finding{}, exit {})\n",
        worst.to_string().to_uppercase(),
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        exit_code(findings)
    ));
    for (class, heading) in [
        (
            Class::Breaking,
            "Breaking: users of this crate may break; review before regenerating",
        ),
        (
            Class::Additive,
            "Additive: regenerate (cargo xtask regen) to pick it up; nothing breaks meanwhile",
        ),
        (
            Class::Docs,
            "Docs: descriptions, summaries and examples only",
        ),
    ] {
        let group: Vec<&Finding> = findings.iter().filter(|f| f.class == class).collect();
        if group.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{heading} ({}):\n", group.len()));
        for f in group {
            out.push_str(&format!("  - {}\n    at {}\n", f.change, f.location));
        }
    }
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    verdict: &'a str,
    exit_code: u8,
    findings: &'a [Finding],
}

pub fn json(findings: &[Finding]) -> String {
    let verdict = match verdict(findings) {
        None => "none",
        Some(Class::Breaking) => "breaking",
        Some(Class::Additive) => "additive",
        Some(Class::Docs) => "docs",
    };
    let report = JsonReport {
        verdict,
        exit_code: exit_code(findings),
        findings,
    };
    serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

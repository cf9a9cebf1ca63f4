//! What `conform` reports: each check's outcome, detail and evidence, for
//! people and for machines, and its comparison with expected outcomes.

use serde::Serialize;

use super::probe::Exchange;

/// What a check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    Skipped,
    /// The server sent something the document does not list (a member, an
    /// enum value): not a failure, but the document is behind.
    Undocumented,
}

/// A request and an excerpt of its answer.
#[derive(Clone, Debug, Serialize)]
pub struct Evidence {
    pub request: String,
    pub status: u16,
    pub excerpt: String,
}

impl Evidence {
    pub(crate) fn of(exchange: &Exchange) -> Self {
        Self {
            request: exchange.request.clone(),
            status: exchange.status,
            excerpt: exchange.excerpt(),
        }
    }
}

/// One check's result.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub id: &'static str,
    /// What it checks, in words.
    pub title: &'static str,
    pub outcome: Outcome,
    /// What was seen (for a pass, what was shown; otherwise why).
    pub detail: String,
    pub evidence: Vec<Evidence>,
}

/// Every check, with what it cost.
#[derive(Debug, Serialize)]
pub struct Report {
    pub base_url: String,
    pub requests: u32,
    pub budget: u32,
    pub checks: Vec<Check>,
}

impl Report {
    /// 0 when every check passed (or was skipped), 1 when the only findings
    /// are undocumented members or values, 2 when a check failed.
    pub fn exit_code(&self) -> u8 {
        let has = |o: Outcome| self.checks.iter().any(|c| c.outcome == o);
        if has(Outcome::Fail) {
            2
        } else if has(Outcome::Undocumented) {
            1
        } else {
            0
        }
    }

    /// Compares the outcomes with an expectation file: a line
    /// `<pass|fail|skipped|undocumented> <check id>` for every check (text
    /// after `#` is a comment, the place to say why). Every difference, or
    /// none.
    pub fn differences(&self, expected: &str) -> Vec<String> {
        let mut wanted = Vec::new();
        let mut differences = Vec::new();
        for (n, line) in expected.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(outcome), Some(id), None) = (words.next(), words.next(), words.next()) else {
                differences.push(format!(
                    "line {}: expected `<outcome> <check id>`: {line}",
                    n + 1
                ));
                continue;
            };
            wanted.push((outcome.to_owned(), id.to_owned()));
        }
        for (outcome, id) in &wanted {
            match self.check(id) {
                None => {
                    differences.push(format!("{id}: expected {outcome}, but no such check ran"))
                }
                Some(check) => {
                    let got = serde_json::to_value(check.outcome)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    if &got != outcome {
                        differences.push(format!(
                            "{id}: expected {outcome}, got {got} ({})",
                            check.detail
                        ));
                    }
                }
            }
        }
        for check in &self.checks {
            if !wanted.iter().any(|(_, id)| id == check.id) {
                differences.push(format!(
                    "{}: not in the expectations ({:?})",
                    check.id, check.outcome
                ));
            }
        }
        differences
    }

    /// The check with `id`.
    pub fn check(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// The report for people.
    pub fn human(&self) -> String {
        let mut out = format!(
            "conform {}: {} requests of a budget of {}\n\n",
            self.base_url, self.requests, self.budget
        );
        let width = self.checks.iter().map(|c| c.id.len()).max().unwrap_or(0) + 2;
        for c in &self.checks {
            let tag = match c.outcome {
                Outcome::Pass => "pass",
                Outcome::Fail => "FAIL",
                Outcome::Skipped => "skip",
                Outcome::Undocumented => "undoc",
            };
            out += &format!("{tag:<6}{:<width$}{}\n", c.id, c.title);
            if !c.detail.is_empty() {
                out += &format!("{:<6}{:<width$}{}\n", "", "", c.detail);
            }
            if c.outcome == Outcome::Fail || c.outcome == Outcome::Undocumented {
                for e in c.evidence.iter().take(2) {
                    let excerpt: String = e.excerpt.chars().take(100).collect();
                    out += &format!(
                        "{:<6}{:<width$}{} -> {}: {excerpt}…\n",
                        "", "", e.request, e.status
                    );
                }
            }
        }
        let count = |o: Outcome| self.checks.iter().filter(|c| c.outcome == o).count();
        out += &format!(
            "\n{} passed, {} failed, {} undocumented, {} skipped\n",
            count(Outcome::Pass),
            count(Outcome::Fail),
            count(Outcome::Undocumented),
            count(Outcome::Skipped)
        );
        out
    }
}

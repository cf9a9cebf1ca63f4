//! Seeded, deterministic synthetic audit-log entries with realistic shapes.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use chrono::{DateTime, TimeDelta, Utc};

use crate::{model::audit_log::AuditLog, model::audit_log::OperationType};

const OPERATIONS: &[(&str, &str, OperationType)] = &[
    ("getModels", "query getModels($space: ID!) { space(id: $space) { models(first: 50) { edges { node { id name modelType createdAt } } } } }", OperationType::Query),
    ("createAiIntegration", "mutation createAiIntegration($input: CreateAiIntegrationInput!) { createAiIntegration(input: $input) { integration { id name provider } } }", OperationType::Mutation),
    ("updateMonitor", "mutation updateMonitor($id: ID!, $threshold: Float!) { updateMonitor(input: {id: $id, threshold: $threshold}) { monitor { id status threshold } } }", OperationType::Mutation),
    ("deleteApiKey", "mutation deleteApiKey($id: ID!) { deleteApiKey(input: {id: $id}) { clientMutationId } }", OperationType::Mutation),
    ("exportTraces", "query exportTraces($project: ID!, $start: DateTime!, $end: DateTime!) { node(id: $project) { ... on Project { spans(timeRange: {start: $start, end: $end}) { totalCount } } } }", OperationType::Query),
    ("onMonitorAlert", "subscription onMonitorAlert($space: ID!) { monitorAlert(spaceId: $space) { id monitorId severity triggeredAt } }", OperationType::Subscription),
    ("GET /v2/datasets", "", OperationType::Query),
    ("POST /v2/experiments", "{\"name\":\"nightly-eval\",\"dataset_id\":\"RGF0YXNldDo0Mg==\",\"task\":\"llm\"}", OperationType::Mutation),
];

const IPS: &[&str] = &[
    "203.0.113.7",
    "198.51.100.23",
    "192.0.2.41",
    "2001:db8::1f",
    "10.12.0.5",
    "172.16.4.20",
];

/// `n` entries spread over `span` ending at `end`, newest first. The same
/// seed, count, end and span always give the same entries.
pub(super) fn synthetic(
    seed: u64,
    n: usize,
    end: DateTime<Utc>,
    span: TimeDelta,
    unknown_operation_types: f64,
) -> Vec<AuditLog> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let span_ms = span.num_milliseconds().max(1);
    let step = (span_ms / n.max(1) as i64).max(1);
    let mut out = Vec::with_capacity(n);
    let mut offset = 0i64;
    let mut seq = n as u64;
    while out.len() < n {
        // Several entries often share one timestamp (a burst of API calls).
        let burst = if rng.u8(..10) == 0 {
            rng.usize(2..=4)
        } else {
            1
        };
        let created_at = end - TimeDelta::milliseconds(offset.min(span_ms));
        for _ in 0..burst.min(n - out.len()) {
            out.push(entry(&mut rng, seq, created_at, unknown_operation_types));
            seq -= 1;
        }
        offset += rng.i64(1..=2 * step);
    }
    out
}

/// One synthetic entry with id number `seq`.
pub(super) fn entry(
    rng: &mut fastrand::Rng,
    seq: u64,
    created_at: DateTime<Utc>,
    unknown: f64,
) -> AuditLog {
    let (name, text, op_type) = &OPERATIONS[rng.usize(..OPERATIONS.len())];
    let user = rng.u32(1..=25);
    let op_type = if unknown > 0.0 && rng.f64() < unknown {
        OperationType::Unknown("WEBHOOK".into())
    } else {
        op_type.clone()
    };
    let nulls = rng.u8(..20) == 0;
    let operation_text = if nulls || text.is_empty() {
        None
    } else if rng.u8(..8) == 0 {
        // Some operations are long: big mutations with inline documents.
        Some(format!("{text} # {}", "x".repeat(rng.usize(500..4000))))
    } else {
        Some((*text).to_owned())
    };
    let variables = if nulls {
        None
    } else {
        Some(format!(
            "{{\"space\":\"U3BhY2U6{}\",\"first\":{},\"tags\":[\"prod\",\"eu\"]}}",
            rng.u32(1..999),
            rng.u8(1..100)
        ))
    };
    AuditLog::new(
        STANDARD.encode(format!("AuditLog:{seq}")),
        STANDARD.encode(format!("User:{}", 12_000 + user)),
        IPS[rng.usize(..IPS.len())],
        op_type,
        created_at,
    )
    .with_operation_name(if nulls {
        None
    } else {
        Some((*name).to_owned())
    })
    .with_operation_text(operation_text)
    .with_variables(variables)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_entries_newest_first() {
        let end = "2026-05-18T12:00:00Z".parse().expect("ts");
        let a = synthetic(7, 500, end, TimeDelta::days(30), 0.0);
        let b = synthetic(7, 500, end, TimeDelta::days(30), 0.0);
        assert_eq!(a, b);
        assert_eq!(a.len(), 500);
        assert!(a.windows(2).all(|w| w[0].created_at >= w[1].created_at));
        assert!(
            a.windows(2).any(|w| w[0].created_at == w[1].created_at),
            "shared timestamps"
        );
        assert!(a.iter().any(|e| e.variables.is_none()), "nulls");
        assert!(a
            .iter()
            .any(|e| e.operation_text.as_ref().is_some_and(|t| t.len() > 500)));
        assert_ne!(a, synthetic(8, 500, end, TimeDelta::days(30), 0.0));
    }
}

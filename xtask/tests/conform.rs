//! `cargo xtask conform` can fail: against the embedded fake server made to
//! break the document one way at a time, the check that names that way
//! fails (and the report's exit status is 2); the healthy fake passes
//! every check.

use arize_audit_logs::mock::{ContractFault, Faults, MockConfig, MockServer, PageFault};
use xtask::conform::{self, Outcome, Report};

async fn conform_against(faults: Faults) -> Report {
    let server = MockServer::start(MockConfig::default().faults(faults))
        .await
        .expect("fake server");
    conform::run(
        &server.uri(),
        Some(server.api_key().to_owned()),
        conform::DEFAULT_BUDGET,
    )
    .await
    .expect("runs")
}

fn outcomes(report: &Report) -> String {
    report
        .checks
        .iter()
        .map(|c| format!("{:?} {}: {}", c.outcome, c.id, c.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_healthy_fake_passes_every_check_within_the_budget() {
    // A 429 now and then, so the Retry-After check runs too.
    let report = conform_against(Faults::none().rate_limit(0.15, Some(0))).await;
    for check in &report.checks {
        assert_eq!(check.outcome, Outcome::Pass, "{}", outcomes(&report));
    }
    assert_eq!(report.checks.len(), 18, "{}", outcomes(&report));
    assert_eq!(report.exit_code(), 0);
    assert!(report.requests <= conform::DEFAULT_BUDGET);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_way_of_breaking_the_document_fails_the_check_that_names_it() {
    let cases = [
        (
            Faults::none().contract(ContractFault::WrongType),
            "schema.success_bodies",
            "/logs/*/ip",
        ),
        (
            Faults::none().contract(ContractFault::MissingRequired),
            "schema.success_bodies",
            "user_id",
        ),
        (
            Faults::none().contract(ContractFault::IgnoreLimit),
            "limit.honoured",
            "50 entries",
        ),
        (
            Faults::none().pages(PageFault::OldestFirst),
            "order.newest_first",
            "comes before the newer",
        ),
        (
            Faults::none().contract(ContractFault::IgnoreUserIdFilter),
            "filter.user_id",
            "do not match user_id",
        ),
        (
            Faults::none().pages(PageFault::Overlap),
            "pagination.same_entries_at_any_page_size",
            "comes twice",
        ),
        (
            Faults::none().contract(ContractFault::HtmlErrors),
            "schema.error_bodies",
            "text/html",
        ),
    ];
    for (faults, id, says) in cases {
        let report = conform_against(faults.clone()).await;
        let check = report
            .check(id)
            .unwrap_or_else(|| panic!("{id} ran:\n{}", outcomes(&report)));
        assert_eq!(
            check.outcome,
            Outcome::Fail,
            "{faults:?} → {id}:\n{}",
            outcomes(&report)
        );
        assert!(check.detail.contains(says), "{id}: {}", check.detail);
        assert!(
            !check.evidence.is_empty() || id == "order.newest_first",
            "{id} shows evidence"
        );
        assert_eq!(report.exit_code(), 2);
        assert!(report.human().contains(&format!("FAIL  {id}")));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn members_and_values_the_document_does_not_list_are_undocumented_not_failures() {
    let server = MockServer::start(
        MockConfig::default()
            .unknown_operation_types(0.2)
            .faults(Faults::none().unknown_members(true)),
    )
    .await
    .expect("fake server");
    let report = conform::run(&server.uri(), Some(server.api_key().to_owned()), 60)
        .await
        .expect("runs");
    let check = report.check("schema.success_bodies").expect("ran");
    assert_eq!(
        check.outcome,
        Outcome::Undocumented,
        "{}",
        outcomes(&report)
    );
    assert!(
        check.detail.contains("member /logs/*/risk_score") && check.detail.contains("WEBHOOK"),
        "{}",
        check.detail
    );
    assert!(
        report.checks.iter().all(|c| c.outcome != Outcome::Fail),
        "{}",
        outcomes(&report)
    );
    assert_eq!(report.exit_code(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_budget_is_a_hard_limit_and_what_it_cuts_is_skipped_with_the_reason() {
    let server = MockServer::start(MockConfig::default())
        .await
        .expect("fake server");
    let report = conform::run(&server.uri(), Some(server.api_key().to_owned()), 5)
        .await
        .expect("runs");
    assert_eq!(report.requests, 5);
    let skipped: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.outcome == Outcome::Skipped)
        .collect();
    assert!(!skipped.is_empty());
    assert!(
        skipped
            .iter()
            .any(|c| c.detail.contains("budget of 5 requests is spent")),
        "{}",
        outcomes(&report)
    );
}

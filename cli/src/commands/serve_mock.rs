//! `serve-mock`: the embedded fake Arize server on a port, until Ctrl-C.

use std::io::Write;

use arize_audit_logs::mock::{Faults, MockConfig, MockServer};

use crate::{
    failure::Failure,
    flags::cli::{MockArgs, ServeMockArgs},
};

/// The fake server's setup from its flags (also `demo`'s).
pub fn mock_config(args: &MockArgs) -> MockConfig {
    MockConfig::default()
        .entries(args.entries)
        .seed(args.seed)
        .unknown_operation_types(args.unknown_operation_types)
        .faults(
            Faults::none()
                .latency(args.latency)
                .rate_limit(args.rate_limit, Some(args.retry_after))
                .server_error(args.server_error)
                .drop_connection(args.drop_connection)
                .truncate_body(args.truncate_body)
                .unknown_members(args.unknown_members)
                .pages(args.page_fault.into()),
        )
}

pub async fn run(args: ServeMockArgs) -> Result<(), Failure> {
    let config = mock_config(&args.mock)
        .visibility_lag(args.visibility_lag)
        .clock_behind(args.clock_behind)
        .oauth_token_lifetime(args.oauth_token_lifetime)
        .oauth_refresh_tokens(args.oauth_refresh_token.clone());
    // The synthetic entries end at the server's now.
    let end = chrono::TimeDelta::from_std(args.clock_behind)
        .ok()
        .and_then(|behind| config.end.checked_sub_signed(behind))
        .ok_or_else(|| Failure::Usage("--clock-behind: too far behind".into()))?;
    let config = config.end(end);
    let server = MockServer::start_on(args.listen.first(), config)
        .await
        .map_err(|e| Failure::Io(format!("cannot listen on {}: {e}", args.listen)))?;
    if let Some(every) = args.append_every {
        server.grow(every);
    }
    println!("Fake Arize audit-log API listening on {}", server.uri());
    println!("  admin key (ARIZE_API_KEY): {}", server.api_key());
    println!("  non-admin key (answers 403): mock-member-key");
    println!(
        "  OAuth: POST {}/oauth2/token (client_id=arize-cli), access tokens live {}",
        server.uri(),
        humantime::format_duration(args.oauth_token_lifetime)
    );
    println!(
        "  try: ARIZE_API_KEY={} arize-audit-logs list --base-url {}",
        server.api_key(),
        server.uri()
    );
    if let Some(every) = args.append_every {
        println!("  a new entry every {}", humantime::format_duration(every));
        if !args.visibility_lag.is_zero() {
            println!(
                "  each visible up to {} after its created_at",
                humantime::format_duration(args.visibility_lag)
            );
        }
    }
    if !args.clock_behind.is_zero() {
        println!(
            "  its clock runs {} behind",
            humantime::format_duration(args.clock_behind)
        );
    }
    println!("Press Ctrl-C to stop.");
    let _ = std::io::stdout().flush();
    crate::service::signals::listen().stopped().await;
    server.shutdown().await;
    Ok(())
}

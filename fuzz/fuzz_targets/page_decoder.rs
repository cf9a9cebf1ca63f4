//! The page decoder (the generated `ListAuditLogsResponse`, decoding into the
//! wrapper's types) on arbitrary bytes: it may refuse them, never panic, and
//! what it accepts serialises again.
#![no_main]

use arize_audit_logs::generated::types::ListAuditLogsResponse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(page) = serde_json::from_slice::<ListAuditLogsResponse>(data) {
        let text = serde_json::to_vec(&page.logs).expect("a decoded page serialises");
        let again: Vec<arize_audit_logs::AuditLog> =
            serde_json::from_slice(&text).expect("and decodes again");
        assert_eq!(again, page.logs);
    }
});

//! The page decoder (the generated `ListAuditLogsResponse`, decoding into the
//! wrapper's types) on arbitrary bytes: it may refuse them, never panic; what
//! it accepts serialises again to the same entries, and an entry that decodes
//! as a typed `AuditLog` serialises back to the text it was sent as.
#![no_main]

use arize_audit_logs::{generated::types::ListAuditLogsResponse, RawAuditLog};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(page) = serde_json::from_slice::<ListAuditLogsResponse>(data) {
        let text = serde_json::to_vec(&page.logs).expect("a decoded page serialises");
        let again: Vec<RawAuditLog> = serde_json::from_slice(&text).expect("and decodes again");
        assert_eq!(again, page.logs);
        for entry in &page.logs {
            if let Ok(typed) = entry.decode() {
                assert_eq!(typed.id, entry.id());
                assert_eq!(typed.created_at, entry.created_at());
                assert_eq!(typed.raw_json(), Some(entry.json()));
            }
        }
    }
});

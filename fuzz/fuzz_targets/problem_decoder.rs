//! The error decoder (Problem documents and raw error bodies) on arbitrary
//! bytes, with each content type the client distinguishes: never a panic.
#![no_main]

use arize_audit_logs::{Error, Problem};
use libfuzzer_sys::fuzz_target;
use reqwest::{header::HeaderMap, StatusCode};

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<Problem>(data);
    for (status, content_type) in [
        (400, "application/problem+json"),
        (429, "application/json"),
        (502, "text/html"),
        (503, ""),
    ] {
        let mut headers = HeaderMap::new();
        if let Ok(value) = content_type.parse() {
            headers.insert("content-type", value);
        }
        headers.insert("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT".parse().expect("valid"));
        let status = StatusCode::from_u16(status).expect("valid status");
        let error = Error::from_response(status, &headers, data, "https://api.arize.com/v2/audit-logs");
        assert_eq!(error.status(), Some(status));
        let _ = error.to_string();
    }
});

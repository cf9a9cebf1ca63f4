//! Page decoding throughput, in MB/s of response body. The body is decoded
//! once by `serde_json`, straight into the wrapper's types (the generated
//! `ListAuditLogsResponse` holds `Vec<RawAuditLog>`: each entry's text as
//! sent, with `id` and `created_at`), which is what an export runs on;
//! `typed` adds the decoding of every entry into an `AuditLog`, which is what
//! `send()` and `pages()` return.
//!
//! Run: `cargo bench --bench decode --features mock`.

use arize_audit_logs::{
    generated::types::ListAuditLogsResponse, mock::MockConfig, AuditLog, Pagination,
};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// A page of `n` realistic synthetic entries, as the API would send it.
fn page(n: usize) -> Vec<u8> {
    let logs: Vec<AuditLog> = MockConfig::default().entries(n).seed(3).generate();
    let body = serde_json::json!({
        "logs": logs,
        "pagination": Pagination::new(true, Some("eyJjcmVhdGVkQXQiOiIyMDI2LTA1LTE4In0".into())),
    });
    serde_json::to_vec(&body).expect("serialises")
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode_page");
    for n in [10, 100] {
        let body = page(n);
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::new("entries", n), &body, |b, body| {
            b.iter(|| {
                let page: ListAuditLogsResponse = serde_json::from_slice(body).expect("decodes");
                page.logs.len()
            })
        });
        group.bench_with_input(BenchmarkId::new("typed", n), &body, |b, body| {
            b.iter(|| {
                let page: ListAuditLogsResponse = serde_json::from_slice(body).expect("decodes");
                let typed: Vec<_> = page
                    .logs
                    .iter()
                    .map(|e| e.decode().expect("typed"))
                    .collect();
                typed.len()
            })
        });
        group.bench_with_input(BenchmarkId::new("conforms", n), &body, |b, body| {
            b.iter(|| {
                let page: ListAuditLogsResponse = serde_json::from_slice(body).expect("decodes");
                page.logs.iter().filter(|e| e.conforms().is_ok()).count()
            })
        });
    }
    group.finish();

    let body = page(100);
    let mut group = c.benchmark_group("decode_and_write_jsonl");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("100 entries", |b| {
        let mut out = Vec::with_capacity(body.len() * 2);
        b.iter(|| {
            out.clear();
            let page: ListAuditLogsResponse = serde_json::from_slice(&body).expect("decodes");
            for entry in &page.logs {
                out.extend_from_slice(entry.json().as_bytes());
                out.push(b'\n');
            }
            out.len()
        })
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);

//! The code progenitor generates from the document never appears in a diff
//! (build.rs writes it), so its snapshot does: a spec change or a progenitor
//! upgrade shows up here for review, and a stale snapshot fails.

#[test]
fn generated_bindings_match_the_reviewed_snapshot() {
    insta::assert_snapshot!("generated_bindings", arize_audit_logs::generated::SOURCE);
}

//! `schema`: the JSON Schema of one exported line.

use arize_audit_logs::AuditLog;

use crate::failure::Failure;

/// Prints the schema.
pub fn run() -> Result<(), Failure> {
    let schema = schemars::schema_for!(AuditLog);
    let text = serde_json::to_string_pretty(&schema).map_err(|e| Failure::Io(e.to_string()))?;
    println!("{text}");
    Ok(())
}

//! `schema`: the JSON Schema of one exported line.

use arize_audit_logs::AuditLog;

use crate::{
    failure::Failure,
    flags::cli::{SchemaArgs, SchemaFormat},
};

/// Prints the schema of the format `args` names.
pub fn run(args: &SchemaArgs) -> Result<(), Failure> {
    let schema = match args.format {
        SchemaFormat::Jsonl => schemars::schema_for!(AuditLog),
        SchemaFormat::Ocsf => crate::ocsf::schema::schema(),
    };
    let text = serde_json::to_string_pretty(&schema).map_err(|e| Failure::Io(e.to_string()))?;
    println!("{text}");
    Ok(())
}

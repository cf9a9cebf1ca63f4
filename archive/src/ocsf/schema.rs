//! The JSON Schema of one `--format ocsf` line, generated from the types
//! the mapping serializes, so the two cannot drift apart.

use schemars::Schema;

use super::{ApiActivity, VERSION};

/// The schema (draft 2020-12) of one event line.
pub fn schema() -> Schema {
    let mut schema = schemars::schema_for!(ApiActivity<'static>);
    schema.insert(
        "description".into(),
        format!(
            "One line of `arize-audit-logs export --format ocsf`: an OCSF {VERSION} API Activity \
             event (class 6003) made from one Arize AX audit-log entry, which `raw_data` holds as \
             sent. Stricter than OCSF's own class schema: it lists exactly the members the \
             mapping writes."
        )
        .into(),
    );
    schema
}

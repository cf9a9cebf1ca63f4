//! The operation's query parameters: generated from the document by
//! `build.rs` (`build/query.rs`), with the rules that span parameters added
//! here.

use crate::{ValidationError, ValidationRule};

include!(concat!(env!("OUT_DIR"), "/query.rs"));

impl ListAuditLogsParams {
    /// Checks every rule known client-side: each parameter's schema, and
    /// that the range does not start after it ends. The first broken rule is
    /// returned.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.check_schema()?;
        if let (Some(start), Some(end)) = (self.start_time, self.end_time) {
            if start > end {
                return Err(ValidationError::new(
                    "start_time",
                    ValidationRule::StartAfterEnd { start, end },
                ));
            }
        }
        Ok(())
    }

    /// The parameters that select entries: everything but the range
    /// (`start_time`, `end_time`) and paging (`limit`, `cursor`).
    pub fn filters(&self) -> Self {
        let mut filters = self.clone();
        filters.start_time = None;
        filters.end_time = None;
        filters.limit = None;
        filters.cursor = None;
        filters
    }
}

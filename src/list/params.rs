//! The operation's query parameters: generated from the document by
//! `build.rs` (`build/query.rs`), with the rules that span parameters added
//! here.

use crate::{error::ValidationError, error::ValidationRule};

include!(concat!(env!("OUT_DIR"), "/query.rs"));

/// The smallest `limit` the API accepts.
pub const MIN_LIMIT: u32 = 1;
/// The largest `limit` the API accepts.
pub const MAX_LIMIT: u32 = 100;
/// The `limit` the API applies when none is sent.
pub const DEFAULT_LIMIT: u32 = 50;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::parameter::ParameterKind;

    #[test]
    fn the_limit_constants_are_the_documents_bounds() {
        let limit = ListAuditLogsParams::PARAMETERS
            .iter()
            .find(|p| p.name == "limit")
            .expect("limit is a parameter");
        assert_eq!(
            limit.kind,
            ParameterKind::Integer {
                minimum: Some(MIN_LIMIT.into()),
                maximum: Some(MAX_LIMIT.into()),
            }
        );
        assert!(crate::OPENAPI_DOCUMENT.contains(&format!("default: {DEFAULT_LIMIT}")));
    }
}

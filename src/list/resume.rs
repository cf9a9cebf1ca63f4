//! Where a stream stopped, to continue exactly there later.

use serde::{Deserialize, Serialize};

/// Where a stream of pages or entries stopped, to continue exactly there
/// later with [`ListAuditLogs::resume`](crate::ListAuditLogs::resume).
///
/// `cursor` is the cursor of the page to fetch next (`None`: the first page);
/// `skip` is how many entries of that page were already delivered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResumePoint {
    /// The cursor to request, or `None` for the first page.
    pub cursor: Option<String>,
    /// How many leading entries of that page to skip.
    pub skip: usize,
}

impl ResumePoint {
    /// A resume point at a page boundary.
    pub fn at_cursor(cursor: Option<String>) -> Self {
        Self { cursor, skip: 0 }
    }

    /// A resume point inside a page.
    pub fn new(cursor: Option<String>, skip: usize) -> Self {
        Self { cursor, skip }
    }
}

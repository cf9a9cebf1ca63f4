//! Where a stream stopped, to continue exactly there later, and the request
//! it belongs to.

use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::{error::ValidationError, error::ValidationRule, list::params::ListAuditLogsParams};

/// Where a stream of pages or entries stopped, to continue exactly there
/// later with [`ListAuditLogs::resume`](crate::ListAuditLogs::resume).
///
/// `cursor` is the cursor of the page to fetch next (`None`: the first page);
/// `skip` is how many entries of that page were already delivered;
/// `request` is the request the stream sent: its absolute window
/// (`start_time`, `end_time`, as fixed when the stream was built, for
/// example by [`last_days`](crate::ListAuditLogs::last_days)) and its
/// filters. The API answers a cursor only with the exact window and filters
/// it was issued for, so a point from a stream resumes that request, however
/// much later it is used.
///
/// It serializes (JSON and any serde format); a point without `request`
/// serializes as `{"cursor":…,"skip":…}`, and such a text reads back as a
/// point without `request`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResumePoint {
    /// The cursor to request, or `None` for the first page.
    pub cursor: Option<String>,
    /// How many leading entries of that page to skip.
    pub skip: usize,
    /// The request the cursor belongs to: window and filters, with
    /// `cursor` and `limit` unset. Points from
    /// [`Pages::resume_point`](crate::Pages::resume_point) and
    /// [`Entries::resume_point`](crate::Entries::resume_point) carry it;
    /// `None` for a point made with [`new`](Self::new) or
    /// [`at_cursor`](Self::at_cursor) (or stored before points carried it),
    /// which resumes with the caller's own parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<ListAuditLogsParams>,
}

impl Hash for ResumePoint {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.cursor.hash(state);
        self.skip.hash(state);
        self.request.as_ref().map(|r| r.to_query()).hash(state);
    }
}

impl ResumePoint {
    /// A resume point at a page boundary, without the request it belongs to.
    pub fn at_cursor(cursor: Option<String>) -> Self {
        Self::new(cursor, 0)
    }

    /// A resume point inside a page, without the request it belongs to.
    pub fn new(cursor: Option<String>, skip: usize) -> Self {
        Self {
            cursor,
            skip,
            request: None,
        }
    }

    /// This point, bound to the request its cursor was issued for: the
    /// window and filters of `params` (its `cursor` and `limit` are left
    /// out).
    #[must_use]
    pub fn with_request(mut self, params: &ListAuditLogsParams) -> Self {
        let mut request = params.clone();
        request.cursor = None;
        request.limit = None;
        self.request = Some(request);
        self
    }

    /// The request this point resumes: `params` with the point's window,
    /// filters and cursor. `params` may leave out any of the point's
    /// parameters, and its `start_time`/`end_time` may be those of a
    /// relative range (`relative`, as set by
    /// [`last`](crate::ListAuditLogs::last)); the point's values then apply.
    /// Any other value that differs from the point's is an error naming the
    /// parameter ([`ValidationRule::ContradictsResumePoint`]).
    pub(crate) fn apply(
        &self,
        params: &ListAuditLogsParams,
        relative: Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)>,
    ) -> Result<ListAuditLogsParams, ValidationError> {
        let Some(request) = &self.request else {
            let mut out = params.clone();
            out.cursor.clone_from(&self.cursor);
            return Ok(out);
        };
        let mut given = params.clone();
        // A relative range names no instant of its own: the point's window
        // is what resumes.
        if let Some((start, end)) = relative {
            if given.start_time == Some(start) {
                given.start_time = None;
            }
            if given.end_time == Some(end) {
                given.end_time = None;
            }
        }
        let given_query = given.to_query();
        let point_query = request.to_query();
        let values = |query: &[(&'static str, String)], name: &str| -> Vec<String> {
            query
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
                .collect()
        };
        for parameter in ListAuditLogsParams::PARAMETERS {
            if matches!(parameter.name, "cursor" | "limit") {
                continue;
            }
            let asked = values(&given_query, parameter.name);
            if asked.is_empty() {
                continue;
            }
            let resumed = values(&point_query, parameter.name);
            if asked != resumed {
                return Err(ValidationError::new(
                    parameter.name,
                    ValidationRule::ContradictsResumePoint { asked, resumed },
                ));
            }
        }
        let mut out = request.clone();
        out.limit = params.limit;
        out.cursor.clone_from(&self.cursor);
        Ok(out)
    }
}

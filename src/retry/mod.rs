//! When to try a request again: the policy, the server's `Retry-After`, and
//! the gate that holds every request of a client while it is rate limited.

pub(crate) mod gate;
pub(crate) mod no_progress;
pub(crate) mod policy;
pub(crate) mod retry_after;

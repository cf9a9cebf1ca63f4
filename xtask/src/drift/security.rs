//! Security: the operation's effective requirements, and the security
//! schemes keyed by name.

use std::collections::BTreeMap;

use openapiv3::{OpenAPI, Operation};
use serde_json::Value;

use super::{json, keyed, Class, Docs, Keyed, Out};
use crate::document::escape;

impl Docs<'_> {
    pub(super) fn compare_security(
        &self,
        old_op: &Operation,
        new_op: &Operation,
        location: &str,
        out: &mut Out,
    ) {
        let effective =
            |doc: &OpenAPI, op: &Operation| json(&op.security.as_ref().or(doc.security.as_ref()));
        let (old_req, new_req) = (effective(self.old, old_op), effective(self.new, new_op));
        if old_req != new_req {
            out.push(Class::Breaking, location, "security requirements changed");
        }
        let schemes = |doc: &OpenAPI| -> BTreeMap<String, Value> {
            doc.components
                .as_ref()
                .map(|c| {
                    c.security_schemes
                        .iter()
                        .map(|(k, v)| (k.clone(), json(v)))
                        .collect()
                })
                .unwrap_or_default()
        };
        let (old_schemes, new_schemes) = (schemes(self.old), schemes(self.new));
        // `bearerFormat` is a hint "primarily for documentation purposes"
        // (OpenAPI 3.0.3): the header sent stays the same.
        let without_docs = |v: &Value| {
            let mut v = v.clone();
            if let Some(m) = v.as_object_mut() {
                m.remove("description");
                m.remove("bearerFormat");
            }
            v
        };
        for (name, change) in keyed(&old_schemes, &new_schemes) {
            let sloc = format!("/components/securitySchemes/{}", escape(name));
            match change {
                Keyed::Added(_) => out.push(
                    Class::Breaking,
                    &sloc,
                    format!("security scheme `{name}` added"),
                ),
                Keyed::Removed => out.push(
                    Class::Breaking,
                    &sloc,
                    format!("security scheme `{name}` removed"),
                ),
                Keyed::Both(prev, scheme) if without_docs(prev) != without_docs(scheme) => out
                    .push(
                        Class::Breaking,
                        &sloc,
                        format!("security scheme `{name}` changed"),
                    ),
                Keyed::Both(prev, scheme) if prev != scheme => out.push(
                    Class::Docs,
                    &sloc,
                    "the description or bearer format changed",
                ),
                Keyed::Both(..) => {}
            }
        }
    }
}

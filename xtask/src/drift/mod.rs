//! Spec drift: every difference between two extracted documents, located and
//! classed by what it means for users of this crate.
//!
//! Each keyed collection (servers, parameters, responses, headers, media
//! types, security schemes, properties) is compared by one generic
//! `keyed` comparison; what a change means is decided by the file for
//! what it compares: `servers.rs`, `parameters.rs`, `responses.rs` (with
//! headers and media types), `security.rs` and `schemas.rs`.

mod parameters;
mod responses;
mod schemas;
mod security;
mod servers;

use std::{collections::BTreeMap, fmt};

use indexmap::IndexMap;
use openapiv3::{OpenAPI, Operation, Parameter, ReferenceOr, Schema};
use serde::Serialize;
use serde_json::Value;

use crate::document::{escape, OPERATION_ID};

/// What a difference means for users of this crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// Existing code or data may break: act before upgrading.
    Breaking,
    /// New capability: regenerate to pick it up; nothing breaks meanwhile.
    Additive,
    /// Descriptions, summaries, examples only.
    Docs,
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Breaking => "breaking",
            Self::Additive => "additive",
            Self::Docs => "docs",
        })
    }
}

/// One difference.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    pub class: Class,
    /// A JSON-pointer-like path into the operation, with `$ref`s followed.
    pub location: String,
    pub change: String,
}

/// The overall verdict: the most serious class found.
pub fn verdict(findings: &[Finding]) -> Option<Class> {
    findings.iter().map(|f| f.class).min()
}

/// Whether a schema is sent by the client or received from the server:
/// narrowing what is sent breaks callers, narrowing what is received does not.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Response,
}

/// The two documents, for resolving `$ref`s on either side.
struct Docs<'a> {
    old: &'a OpenAPI,
    new: &'a OpenAPI,
}

/// How one key of two keyed collections differs.
enum Keyed<'a, V> {
    /// Only in the new collection.
    Added(&'a V),
    /// Only in the old one.
    Removed,
    /// In both: the old value and the new.
    Both(&'a V, &'a V),
}

/// Every key of `old` and `new`, with how it differs: the one comparison of
/// keyed collections.
fn keyed<'a, K: Ord, V: 'a>(
    old: impl IntoIterator<Item = (K, &'a V)>,
    new: impl IntoIterator<Item = (K, &'a V)>,
) -> Vec<(K, Keyed<'a, V>)> {
    let mut before: BTreeMap<K, &'a V> = old.into_iter().collect();
    let mut out: Vec<(K, Keyed<'a, V>)> = new
        .into_iter()
        .map(|(key, now)| match before.remove(&key) {
            Some(was) => (key, Keyed::Both(was, now)),
            None => (key, Keyed::Added(now)),
        })
        .collect();
    out.extend(before.into_keys().map(|key| (key, Keyed::Removed)));
    out
}

struct Out(Vec<Finding>);

impl Out {
    fn push(&mut self, class: Class, location: &str, change: impl Into<String>) {
        self.0.push(Finding {
            class,
            location: location.to_owned(),
            change: change.into(),
        });
    }

    fn docs<T: PartialEq + fmt::Debug>(&mut self, location: &str, what: &str, old: &T, new: &T) {
        if old != new {
            self.push(Class::Docs, location, format!("{what} changed"));
        }
    }
}

/// Compares the checked-in document (`old`) with the upstream one (`new`).
pub fn compare(old: &OpenAPI, new: &OpenAPI) -> Vec<Finding> {
    let docs = Docs { old, new };
    let mut out = Out(Vec::new());

    out.docs("/info/title", "the title", &old.info.title, &new.info.title);
    out.docs(
        "/info/description",
        "the description",
        &old.info.description,
        &new.info.description,
    );
    out.docs(
        "/info/version",
        "the API version label",
        &old.info.version,
        &new.info.version,
    );
    servers::compare(old, new, &mut out);

    let (
        Some((old_path, old_method, old_op, old_path_params)),
        Some((new_path, new_method, new_op, new_path_params)),
    ) = (find_operation(old), find_operation(new))
    else {
        if find_operation(new).is_none() {
            out.push(
                Class::Breaking,
                "/paths",
                format!("operation `{OPERATION_ID}` removed"),
            );
        }
        return finish(out);
    };
    if (old_path, old_method) != (new_path, new_method) {
        out.push(
            Class::Breaking,
            "/paths",
            format!(
                "operation moved from {} {old_path} to {} {new_path}",
                old_method.to_uppercase(),
                new_method.to_uppercase()
            ),
        );
    }
    let base = format!("/paths/{}/{}", escape(new_path), new_method);

    out.docs(
        &format!("{base}/summary"),
        "the summary",
        &old_op.summary,
        &new_op.summary,
    );
    out.docs(
        &format!("{base}/description"),
        "the description",
        &old_op.description,
        &new_op.description,
    );
    out.docs(
        &format!("{base}/tags"),
        "the tags",
        &old_op.tags,
        &new_op.tags,
    );
    if old_op.deprecated != new_op.deprecated {
        let now = if new_op.deprecated {
            "deprecated"
        } else {
            "no longer deprecated"
        };
        out.push(
            Class::Docs,
            &format!("{base}/deprecated"),
            format!("the operation is {now}"),
        );
    }
    out.docs(
        &base,
        "the x- extensions",
        &old_op.extensions,
        &new_op.extensions,
    );

    docs.compare_parameters(
        (old_op, old_path_params),
        (new_op, new_path_params),
        &format!("{base}/parameters"),
        &mut out,
    );
    docs.compare_responses(old_op, new_op, &format!("{base}/responses"), &mut out);
    docs.compare_security(old_op, new_op, &format!("{base}/security"), &mut out);
    finish(out)
}

fn finish(mut out: Out) -> Vec<Finding> {
    out.0.sort();
    out.0.dedup();
    out.0
}

type Found<'a> = (
    &'a str,
    &'a str,
    &'a Operation,
    &'a [ReferenceOr<Parameter>],
);

fn find_operation(doc: &OpenAPI) -> Option<Found<'_>> {
    doc.paths.iter().find_map(|(path, item)| {
        let item = item.as_item()?;
        item.iter()
            .find(|(_, op)| op.operation_id.as_deref() == Some(OPERATION_ID))
            .map(|(method, op)| (path.as_str(), method, op, item.parameters.as_slice()))
    })
}

fn json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Follows `$ref`s to components of `doc` (at most 32 hops).
fn deref<'a, T>(
    item: &'a ReferenceOr<T>,
    components: Option<&'a IndexMap<String, ReferenceOr<T>>>,
    prefix: &str,
) -> Option<&'a T> {
    let mut current = item;
    for _ in 0..32 {
        match current {
            ReferenceOr::Item(t) => return Some(t),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix(prefix)?;
                current = components?.get(name)?;
            }
        }
    }
    None
}

fn schema_of<'a>(doc: &'a OpenAPI, item: &'a ReferenceOr<Schema>) -> Option<&'a Schema> {
    deref(
        item,
        doc.components.as_ref().map(|c| &c.schemas),
        "#/components/schemas/",
    )
}

fn boxed_schema_of<'a>(doc: &'a OpenAPI, item: &'a ReferenceOr<Box<Schema>>) -> Option<&'a Schema> {
    match item {
        ReferenceOr::Item(schema) => Some(schema),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/schemas/")?;
            schema_of(doc, doc.components.as_ref()?.schemas.get(name)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_tells_added_removed_and_both_for_every_key() {
        let old = BTreeMap::from([("a", 1), ("b", 2)]);
        let new = BTreeMap::from([("b", 3), ("c", 4)]);
        let mut seen: Vec<String> = keyed(&old, &new)
            .into_iter()
            .map(|(k, change)| match change {
                Keyed::Added(v) => format!("+{k}={v}"),
                Keyed::Removed => format!("-{k}"),
                Keyed::Both(was, now) => format!("{k}:{was}->{now}"),
            })
            .collect();
        seen.sort();
        assert_eq!(seen, ["+c=4", "-a", "b:2->3"]);
    }
}

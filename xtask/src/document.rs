//! Reading an upstream document, extracting the audit-log operation with
//! everything it references, and writing it in normalised form.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// The operation this crate is about.
pub const OPERATION_ID: &str = "list_audit_logs";

/// Why a document cannot be used.
#[derive(Debug)]
pub struct DocumentError(pub String);

impl std::fmt::Display for DocumentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DocumentError {}

fn err<T>(message: impl Into<String>) -> Result<T, DocumentError> {
    Err(DocumentError(message.into()))
}

/// Parses YAML or JSON and checks that it is an OpenAPI 3.0.x document.
pub fn parse(bytes: &[u8]) -> Result<Value, DocumentError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| DocumentError(format!("the document is not UTF-8: {e}")))?;
    // JSON is YAML; one parser reads both.
    let value: Value = serde_norway::from_str(text)
        .map_err(|e| DocumentError(format!("the document is neither YAML nor JSON: {e}")))?;
    if !value.is_object() {
        return err("the document is not a mapping at the top level");
    }
    if let Some(swagger) = value.get("swagger") {
        return err(format!(
            "Swagger {} documents are not supported: the upstream document must be OpenAPI 3.0.x",
            plain(swagger)
        ));
    }
    match value.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => {}
        Some(v) => {
            return err(format!(
                "OpenAPI {v} is not supported: progenitor and openapiv3 read OpenAPI 3.0.x only"
            ))
        }
        None => {
            return err("the document has no `openapi` version field; it must be OpenAPI 3.0.x")
        }
    }
    serde_json::from_value::<openapiv3::OpenAPI>(value.clone()).map_err(|e| {
        DocumentError(format!(
            "the document is not a valid OpenAPI 3.0 document: {e}"
        ))
    })?;
    Ok(value)
}

fn plain(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

/// The audit-log operation and the transitive closure of what it references,
/// plus `info`, `servers`, `security` and the operation's tags.
pub fn extract(doc: &Value) -> Result<Value, DocumentError> {
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .map_or_else(Map::new, Clone::clone);
    let mut found = None;
    for (path, item) in &paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            if op.get("operationId").and_then(Value::as_str) == Some(OPERATION_ID) {
                if found.is_some() {
                    return err(format!(
                        "more than one operation has operationId `{OPERATION_ID}`"
                    ));
                }
                found = Some((
                    path.clone(),
                    method.clone(),
                    op.clone(),
                    item.get("parameters").cloned(),
                ));
            }
        }
    }
    let Some((path, method, operation, path_parameters)) = found else {
        return err(format!(
            "the document has no operation with operationId `{OPERATION_ID}`"
        ));
    };

    let mut path_item = Map::new();
    if let Some(params) = path_parameters {
        path_item.insert("parameters".into(), params);
    }
    path_item.insert(method, operation);
    let path_item = Value::Object(path_item);

    // Every component reached from the operation, transitively.
    let mut needed: BTreeMap<(String, String), Value> = BTreeMap::new();
    let mut pending: Vec<String> = Vec::new();
    collect_refs(&path_item, &mut pending);
    while let Some(reference) = pending.pop() {
        let (kind, name) = split_ref(&reference)?;
        if needed.contains_key(&(kind.clone(), name.clone())) {
            continue;
        }
        let component = doc
            .pointer(&format!("/components/{}/{}", kind, escape(&name)))
            .ok_or_else(|| DocumentError(format!("the reference {reference} points at nothing")))?
            .clone();
        collect_refs(&component, &mut pending);
        needed.insert((kind, name), component);
    }

    // Security schemes named by the operation's or the document's security.
    let security_names: BTreeSet<String> = [path_item.pointer("/security"), doc.get("security")]
        .into_iter()
        .chain(
            path_item
                .as_object()
                .into_iter()
                .flat_map(|m| m.values().map(|op| op.get("security"))),
        )
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|req| req.keys().cloned())
        .collect();
    for name in security_names {
        let scheme = doc
            .pointer(&format!("/components/securitySchemes/{}", escape(&name)))
            .ok_or_else(|| DocumentError(format!("the security scheme `{name}` is not defined")))?;
        needed.insert(("securitySchemes".into(), name), scheme.clone());
    }

    let mut components = Map::new();
    for ((kind, name), value) in needed {
        components
            .entry(kind)
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .map(|m| m.insert(name, value));
    }

    let mut out = Map::new();
    for key in ["openapi", "info", "servers", "security"] {
        if let Some(v) = doc.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    let mut paths_out = Map::new();
    paths_out.insert(path, path_item.clone());
    out.insert("paths".into(), Value::Object(paths_out));
    if !components.is_empty() {
        out.insert("components".into(), Value::Object(sorted(components)));
    }
    let op_tags: BTreeSet<&str> = path_item
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(|op| op.get("tags").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if let Some(tags) = doc.get("tags").and_then(Value::as_array) {
        let kept: Vec<Value> = tags
            .iter()
            .filter(|t| {
                t.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| op_tags.contains(n))
            })
            .cloned()
            .collect();
        if !kept.is_empty() {
            out.insert("tags".into(), Value::Array(kept));
        }
    }
    Ok(Value::Object(out))
}

/// The normalised text of an extracted document: typed through openapiv3
/// (fixed member order), components sorted by name, and emitted by the
/// deterministic YAML writer. The same input always gives the same bytes.
pub fn normalise(extracted: &Value) -> Result<String, DocumentError> {
    let typed: openapiv3::OpenAPI = serde_json::from_value(extracted.clone()).map_err(|e| {
        DocumentError(format!(
            "the extracted document is not valid OpenAPI 3.0: {e}"
        ))
    })?;
    // serde_norway's mapping keeps openapiv3's member order (openapi, info,
    // servers, paths, components, …); maps inside come sorted from `extract`.
    let mut value = serde_norway::to_value(&typed)
        .map_err(|e| DocumentError(format!("cannot serialise the document: {e}")))?;
    // openapiv3 writes a server variable's absent description as null.
    if let Some(servers) = value
        .get_mut("servers")
        .and_then(serde_norway::Value::as_sequence_mut)
    {
        for variable in servers
            .iter_mut()
            .filter_map(|s| s.get_mut("variables"))
            .filter_map(serde_norway::Value::as_mapping_mut)
            .flat_map(|vars| vars.values_mut())
            .filter_map(serde_norway::Value::as_mapping_mut)
        {
            if variable
                .get("description")
                .is_some_and(serde_norway::Value::is_null)
            {
                variable.remove("description");
            }
        }
    }
    if let Some(components) = value
        .get_mut("components")
        .and_then(serde_norway::Value::as_mapping_mut)
    {
        let mut kinds: Vec<(serde_norway::Value, serde_norway::Value)> =
            std::mem::take(components).into_iter().collect();
        kinds.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
        for (kind, mut entries) in kinds {
            if let Some(map) = entries.as_mapping_mut() {
                let mut named: Vec<_> = std::mem::take(map).into_iter().collect();
                named.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
                map.extend(named);
            }
            components.insert(kind, entries);
        }
    }
    Ok(crate::yaml::to_yaml(&value))
}

/// Parses, extracts and normalises in one step.
pub fn extract_normalised(bytes: &[u8]) -> Result<String, DocumentError> {
    normalise(&extract(&parse(bytes)?)?)
}

fn sorted(map: Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = map.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().collect()
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "$ref" {
                    if let Some(r) = v.as_str() {
                        out.push(r.to_owned());
                    }
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// `#/components/<kind>/<name>` → (kind, name).
fn split_ref(reference: &str) -> Result<(String, String), DocumentError> {
    let Some(rest) = reference.strip_prefix("#/components/") else {
        return err(format!(
            "the reference {reference} is not to a component of this document; external references are not supported"
        ));
    };
    match rest.split_once('/') {
        Some((kind, name)) if !name.contains('/') => Ok((kind.to_owned(), unescape(name))),
        _ => err(format!(
            "the reference {reference} is not of the form #/components/<kind>/<name>"
        )),
    }
}

/// JSON-pointer escaping of one segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

//! The wrapper's public types stand in for the document's component schemas in
//! the generated code, so they must agree with them: the same properties, the
//! same required set, the same nullability, types, formats and enum values.
//! A change to either side without the other fails here.

use std::collections::{BTreeMap, BTreeSet};

use arize_audit_logs::{AuditLog, OperationType, Pagination, Problem, OPENAPI_DOCUMENT};
use schemars::JsonSchema;
use serde_json::Value;

/// What is compared for one property (or one whole schema).
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    types: BTreeSet<String>,
    nullable: bool,
    format: Option<String>,
    enum_values: Option<BTreeSet<String>>,
    /// Items of an array, described the same way.
    items: Option<Box<Shape>>,
}

fn document() -> Value {
    serde_norway::from_str(OPENAPI_DOCUMENT).expect("the document is YAML")
}

/// Follows `$ref`s: `#/components/schemas/X` in the document, `#/$defs/X` in
/// schemars output.
fn resolve<'a>(schema: &'a Value, root: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r.trim_start_matches('#');
            resolve(
                root.pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling $ref {r}")),
                root,
            )
        }
        None => schema,
    }
}

fn shape(schema: &Value, root: &Value) -> Shape {
    let schema = resolve(schema, root);
    let mut types = BTreeSet::new();
    let mut nullable = schema.get("nullable") == Some(&Value::Bool(true));
    match schema.get("type") {
        Some(Value::String(t)) => {
            types.insert(t.clone());
        }
        Some(Value::Array(ts)) => {
            for t in ts.iter().filter_map(Value::as_str) {
                if t == "null" {
                    nullable = true;
                } else {
                    types.insert(t.to_owned());
                }
            }
        }
        _ => {}
    }
    // The wrapper's open enum lists its known values in its first `anyOf` branch.
    let enum_source = schema
        .get("enum")
        .or_else(|| schema.pointer("/anyOf/0/enum"));
    let enum_values = enum_source.and_then(Value::as_array).map(|values| {
        values
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    });
    // schemars adds integer widths (`uint16`); the document names no integer format.
    let format = schema
        .get("format")
        .and_then(Value::as_str)
        .filter(|_| !types.contains("integer"))
        .map(str::to_owned);
    let items = schema.get("items").map(|i| Box::new(shape(i, root)));
    Shape {
        types,
        nullable,
        format,
        enum_values,
        items,
    }
}

fn properties(schema: &Value, root: &Value) -> BTreeMap<String, Shape> {
    resolve(schema, root)
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .map(|(k, v)| (k.clone(), shape(v, root)))
                .collect()
        })
        .unwrap_or_default()
}

fn required(schema: &Value) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn assert_agrees<T: JsonSchema>(component: &str) {
    let doc = document();
    let doc_schema = doc
        .pointer(&format!("/components/schemas/{component}"))
        .unwrap_or_else(|| panic!("components.schemas.{component} is missing"));
    let ours = serde_json::to_value(schemars::schema_for!(T)).expect("schema serialises");

    assert_eq!(
        properties(&ours, &ours),
        properties(doc_schema, &doc),
        "{component}: properties (names, types, formats, nullability, enum values)"
    );
    assert_eq!(
        required(&ours),
        required(doc_schema),
        "{component}: required set"
    );
    let (a, b) = (shape(&ours, &ours), shape(doc_schema, &doc));
    assert_eq!(
        (a.types, a.enum_values),
        (b.types, b.enum_values),
        "{component}: type and enum"
    );
}

#[test]
fn audit_log_agrees_with_component_schema() {
    assert_agrees::<AuditLog>("AuditLog");
}

#[test]
fn operation_type_agrees_with_component_schema() {
    assert_agrees::<OperationType>("AuditLogOperationType");
}

#[test]
fn pagination_agrees_with_component_schema() {
    assert_agrees::<Pagination>("PaginationMetadata");
}

#[test]
fn problem_agrees_with_component_schema() {
    assert_agrees::<Problem>("Problem");
}

#[test]
fn the_comparison_notices_a_difference() {
    // Guard against a comparison that cannot fail: a schema with a property
    // made nullable must not agree.
    let doc = document();
    let mut changed = doc.clone();
    changed["components"]["schemas"]["AuditLog"]["properties"]["ip"]["nullable"] =
        Value::Bool(true);
    assert_ne!(
        properties(&changed["components"]["schemas"]["AuditLog"], &changed),
        properties(&doc["components"]["schemas"]["AuditLog"], &doc)
    );
}

//! The checked-in document's component schemas as JSON Schema (draft 4, the
//! dialect OpenAPI 3.0 extends), validated with the `jsonschema` crate, and
//! a walk that finds what the document does not list.
//!
//! OpenAPI 3.0 differs from JSON Schema in a few words, translated here:
//! `nullable: true` becomes `null` among the allowed types (or an `anyOf`
//! with `{"type": "null"}` around a `$ref`); `$ref`s to
//! `#/components/schemas/X` point at `#/definitions/X`; the keywords JSON
//! Schema does not know (`example`, `discriminator`, `xml`, `externalDocs`,
//! `deprecated`, `readOnly`, `writeOnly`) are dropped.

use serde_json::{json, Map, Value};

const OPENAPI_ONLY: &[&str] = &[
    "nullable",
    "example",
    "discriminator",
    "xml",
    "externalDocs",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// One way a body departs from a schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// The body breaks the schema: a wrong type or format, a missing
    /// required member, a null where none is allowed.
    Invalid { path: String, message: String },
    /// A member the document does not list.
    UndocumentedMember { path: String },
    /// A value an `enum` does not list.
    UndocumentedValue { path: String, value: String },
}

/// The document's schemas, ready to validate bodies against any of them.
pub struct Schemas {
    definitions: Map<String, Value>,
}

impl Schemas {
    /// Reads `components.schemas` of an OpenAPI 3.0 document.
    pub fn from_document(document: &Value) -> Result<Self, String> {
        let schemas = document
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .ok_or("the document has no components.schemas")?;
        let definitions = schemas
            .iter()
            .map(|(name, schema)| (name.clone(), translate(schema)))
            .collect();
        Ok(Self { definitions })
    }

    /// The JSON Schema of component `name`, self-contained.
    pub fn json_schema(&self, name: &str) -> Value {
        json!({
            "$schema": "http://json-schema.org/draft-04/schema#",
            "$ref": format!("#/definitions/{name}"),
            "definitions": self.definitions,
        })
    }

    /// Every finding of `instance` against component `name`: what breaks it
    /// (from the validator), and what it holds that the document does not
    /// list (members, enum values), which are not failures.
    pub fn check(&self, name: &str, instance: &Value) -> Result<Vec<Finding>, String> {
        let schema = self.json_schema(name);
        let validator = jsonschema::draft4::options()
            .should_validate_formats(true)
            .build(&schema)
            .map_err(|e| format!("the document's schema {name} is not valid JSON Schema: {e}"))?;
        let mut findings = Vec::new();
        for error in validator.iter_errors(instance) {
            let path = error.instance_path().to_string();
            match error.kind() {
                // Reported by the walk as an undocumented value.
                jsonschema::error::ValidationErrorKind::Enum { .. } => {}
                _ => findings.push(Finding::Invalid {
                    path: if path.is_empty() { "/".into() } else { path },
                    message: error.to_string(),
                }),
            }
        }
        let root = json!({ "$ref": format!("#/definitions/{name}") });
        self.walk(&root, instance, String::new(), &mut findings);
        Ok(findings)
    }

    /// The values component `name` lists in its `enum`.
    pub fn enum_values(&self, name: &str) -> Option<Vec<String>> {
        self.definitions
            .get(name)?
            .get("enum")?
            .as_array()
            .map(|values| {
                values
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        let mut schema = schema;
        for _ in 0..32 {
            match schema
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/definitions/"))
                .and_then(|name| self.definitions.get(name))
            {
                Some(target) => schema = target,
                None => break,
            }
        }
        schema
    }

    /// Finds members and enum values the schema does not list.
    fn walk(&self, schema: &Value, instance: &Value, path: String, out: &mut Vec<Finding>) {
        let schema = self.resolve(schema);
        for alternative in ["anyOf", "oneOf", "allOf"] {
            if let Some(options) = schema.get(alternative).and_then(Value::as_array) {
                // The first alternative that is not just `null` describes it.
                if let Some(option) = options
                    .iter()
                    .map(|o| self.resolve(o))
                    .find(|o| o.get("type") != Some(&json!("null")))
                {
                    self.walk(option, instance, path.clone(), out);
                }
            }
        }
        if let (Some(allowed), Some(value)) = (
            schema.get("enum").and_then(Value::as_array),
            instance.as_str(),
        ) {
            if !allowed.iter().any(|a| a.as_str() == Some(value)) {
                out.push(Finding::UndocumentedValue {
                    path: path.clone(),
                    value: value.to_owned(),
                });
            }
        }
        match instance {
            Value::Object(members) => {
                let properties = schema.get("properties").and_then(Value::as_object);
                for (name, value) in members {
                    let at = format!("{path}/{}", escape(name));
                    match properties.and_then(|p| p.get(name)) {
                        Some(member) => self.walk(member, value, at, out),
                        None if properties.is_some() => {
                            out.push(Finding::UndocumentedMember { path: at })
                        }
                        None => {}
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item) = schema.get("items") {
                    for (i, value) in items.iter().enumerate() {
                        self.walk(item, value, format!("{path}/{i}"), out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A JSON Pointer segment.
fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// One OpenAPI 3.0 schema object as JSON Schema draft 4.
fn translate(schema: &Value) -> Value {
    match schema {
        Value::Object(object) => {
            let mut out = Map::new();
            for (key, value) in object {
                if OPENAPI_ONLY.contains(&key.as_str()) {
                    continue;
                }
                let value = match key.as_str() {
                    "$ref" => Value::String(
                        value
                            .as_str()
                            .unwrap_or_default()
                            .replace("#/components/schemas/", "#/definitions/"),
                    ),
                    // Maps of schemas: translate each.
                    "properties" | "definitions" | "patternProperties" => match value {
                        Value::Object(map) => Value::Object(
                            map.iter().map(|(k, v)| (k.clone(), translate(v))).collect(),
                        ),
                        other => other.clone(),
                    },
                    // Values, not schemas.
                    "enum" | "required" | "default" | "type" | "format" | "pattern" => {
                        value.clone()
                    }
                    _ => translate(value),
                };
                out.insert(key.clone(), value);
            }
            if object.get("nullable") == Some(&Value::Bool(true)) {
                return nullable(out);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(translate).collect()),
        other => other.clone(),
    }
}

/// `schema` that also allows `null`.
fn nullable(mut schema: Map<String, Value>) -> Value {
    if let Some(allowed) = schema.get_mut("enum").and_then(Value::as_array_mut) {
        if !allowed.contains(&Value::Null) {
            allowed.push(Value::Null);
        }
    }
    match schema.get("type").cloned() {
        Some(Value::String(t)) => {
            schema.insert("type".into(), json!([t, "null"]));
            Value::Object(schema)
        }
        Some(Value::Array(mut types)) => {
            if !types.contains(&json!("null")) {
                types.push(json!("null"));
            }
            schema.insert("type".into(), Value::Array(types));
            Value::Object(schema)
        }
        _ => json!({ "anyOf": [Value::Object(schema), { "type": "null" }] }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schemas() -> Schemas {
        let text = std::fs::read(crate::root().join(crate::DOCUMENT)).expect("document");
        let doc = crate::document::parse(&text).expect("parses");
        Schemas::from_document(&doc).expect("schemas")
    }

    fn page(entry: Value) -> Value {
        json!({ "logs": [entry], "pagination": { "has_more": false } })
    }

    fn entry() -> Value {
        json!({
            "id": "QXVkaXRMb2c6NDI=", "user_id": "VXNlcjox", "ip": "1.2.3.4",
            "operation_type": "MUTATION", "operation_name": null, "operation_text": null,
            "variables": null, "created_at": "2026-05-18T12:00:00.000Z"
        })
    }

    #[test]
    fn a_documented_page_has_no_findings_nulls_included() {
        assert_eq!(
            schemas().check("ListAuditLogsResponse", &page(entry())),
            Ok(vec![])
        );
    }

    #[test]
    fn wrong_types_missing_members_and_bad_formats_are_invalid() {
        let s = schemas();
        for (change, path) in [
            (json!({"ip": 3221225985u32}), "/logs/0/ip"),
            (json!({"created_at": "yesterday"}), "/logs/0/created_at"),
            (json!({"id": null}), "/logs/0/id"),
        ] {
            let mut e = entry();
            for (k, v) in change.as_object().expect("object") {
                e[k] = v.clone();
            }
            let findings = s.check("ListAuditLogsResponse", &page(e)).expect("checks");
            assert!(
                findings
                    .iter()
                    .any(|f| matches!(f, Finding::Invalid { path: p, .. } if p == path)),
                "{change}: {findings:?}"
            );
        }
        let mut e = entry();
        e.as_object_mut().expect("object").remove("user_id");
        let findings = s.check("ListAuditLogsResponse", &page(e)).expect("checks");
        assert!(
            findings.iter().any(
                |f| matches!(f, Finding::Invalid { message, .. } if message.contains("user_id"))
            ),
            "{findings:?}"
        );
    }

    #[test]
    fn unknown_members_and_enum_values_are_undocumented_not_invalid() {
        let mut e = entry();
        e["operation_type"] = json!("WEBHOOK");
        e["risk_score"] = json!(7);
        let mut body = page(e);
        body["request_id"] = json!("r-1");
        let findings = schemas()
            .check("ListAuditLogsResponse", &body)
            .expect("checks");
        assert_eq!(
            findings,
            vec![
                Finding::UndocumentedValue {
                    path: "/logs/0/operation_type".into(),
                    value: "WEBHOOK".into()
                },
                Finding::UndocumentedMember {
                    path: "/logs/0/risk_score".into()
                },
                Finding::UndocumentedMember {
                    path: "/request_id".into()
                },
            ]
        );
    }

    #[test]
    fn nullable_is_translated_for_types_enums_and_refs() {
        assert_eq!(
            translate(&json!({"type": "string", "nullable": true, "example": "x"})),
            json!({"type": ["string", "null"]})
        );
        assert_eq!(
            translate(&json!({"$ref": "#/components/schemas/A", "nullable": true})),
            json!({"anyOf": [{"$ref": "#/definitions/A"}, {"type": "null"}]})
        );
        assert_eq!(
            translate(&json!({"type": "string", "enum": ["A"], "nullable": true})),
            json!({"type": ["string", "null"], "enum": ["A", null]})
        );
    }
}

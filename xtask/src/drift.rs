//! Spec drift: every difference between two extracted documents, located and
//! classed by what it means for users of this crate.

use std::{collections::BTreeMap, fmt};

use indexmap::IndexMap;
use openapiv3::{
    OpenAPI, Operation, Parameter, ParameterSchemaOrContent, ReferenceOr, Response, Schema,
    SchemaKind, Type,
};
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

struct Docs<'a> {
    old: &'a OpenAPI,
    new: &'a OpenAPI,
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
    compare_servers(old, new, &mut out);

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

fn compare_servers(old: &OpenAPI, new: &OpenAPI, out: &mut Out) {
    let index = |doc: &OpenAPI| -> BTreeMap<String, openapiv3::Server> {
        doc.servers
            .iter()
            .map(|s| (s.url.clone(), s.clone()))
            .collect()
    };
    let (old_servers, new_servers) = (index(old), index(new));
    for (url, server) in &new_servers {
        let location = format!("/servers/{}", escape(url));
        match old_servers.get(url) {
            None => out.push(Class::Additive, &location, format!("server {url} added")),
            Some(before) => {
                out.docs(
                    &location,
                    "the server description",
                    &before.description,
                    &server.description,
                );
                if json(&before.variables) != json(&server.variables) {
                    out.push(
                        Class::Additive,
                        &format!("{location}/variables"),
                        "server variables changed",
                    );
                }
            }
        }
    }
    for url in old_servers.keys().filter(|u| !new_servers.contains_key(*u)) {
        out.push(
            Class::Breaking,
            &format!("/servers/{}", escape(url)),
            format!("server {url} removed"),
        );
    }
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

impl Docs<'_> {
    fn parameters<'a>(
        doc: &'a OpenAPI,
        op: &'a Operation,
        path_params: &'a [ReferenceOr<Parameter>],
    ) -> BTreeMap<(String, String), &'a Parameter> {
        let components = doc.components.as_ref().map(|c| &c.parameters);
        path_params
            .iter()
            .chain(&op.parameters)
            .filter_map(|p| deref(p, components, "#/components/parameters/"))
            .map(|p| {
                let data = p.parameter_data_ref();
                let location = match p {
                    Parameter::Query { .. } => "query",
                    Parameter::Header { .. } => "header",
                    Parameter::Path { .. } => "path",
                    Parameter::Cookie { .. } => "cookie",
                };
                ((data.name.clone(), location.to_owned()), p)
            })
            .collect()
    }

    fn compare_parameters(
        &self,
        (old_op, old_path_params): (&Operation, &[ReferenceOr<Parameter>]),
        (new_op, new_path_params): (&Operation, &[ReferenceOr<Parameter>]),
        base: &str,
        out: &mut Out,
    ) {
        let old = Self::parameters(self.old, old_op, old_path_params);
        let new = Self::parameters(self.new, new_op, new_path_params);
        for ((name, place), param) in &new {
            let location = format!("{base}/{}", escape(name));
            let data = param.parameter_data_ref();
            let Some(before) = old.get(&(name.clone(), place.clone())) else {
                if data.required {
                    out.push(
                        Class::Breaking,
                        &location,
                        format!("required {place} parameter `{name}` added"),
                    );
                } else {
                    out.push(
                        Class::Additive,
                        &location,
                        format!("optional {place} parameter `{name}` added; regenerate to get a builder method for it"),
                    );
                }
                continue;
            };
            let before_data = before.parameter_data_ref();
            match (before_data.required, data.required) {
                (false, true) => out.push(
                    Class::Breaking,
                    &location,
                    format!("parameter `{name}` made required"),
                ),
                (true, false) => out.push(
                    Class::Additive,
                    &location,
                    format!("parameter `{name}` made optional"),
                ),
                _ => {}
            }
            out.docs(
                &format!("{location}/description"),
                "the description",
                &before_data.description,
                &data.description,
            );
            out.docs(
                &format!("{location}/example"),
                "the example",
                &before_data.example,
                &data.example,
            );
            out.docs(
                &format!("{location}/deprecated"),
                "the deprecation flag",
                &before_data.deprecated,
                &data.deprecated,
            );
            if json(*before).get("style") != json(*param).get("style") {
                out.push(
                    Class::Breaking,
                    &format!("{location}/style"),
                    "serialisation style changed",
                );
            }
            match (&before_data.format, &data.format) {
                (ParameterSchemaOrContent::Schema(a), ParameterSchemaOrContent::Schema(b)) => {
                    match (schema_of(self.old, a), schema_of(self.new, b)) {
                        (Some(a), Some(b)) => self.compare_schema(
                            a,
                            b,
                            Direction::Request,
                            &format!("{location}/schema"),
                            out,
                            0,
                        ),
                        _ => out.push(
                            Class::Breaking,
                            &format!("{location}/schema"),
                            "schema cannot be resolved",
                        ),
                    }
                }
                (a, b) if json(a) != json(b) => out.push(
                    Class::Breaking,
                    &format!("{location}/content"),
                    "parameter content changed",
                ),
                _ => {}
            }
        }
        for (name, place) in old.keys().filter(|k| !new.contains_key(*k)) {
            out.push(
                Class::Breaking,
                &format!("{base}/{}", escape(name)),
                format!("{place} parameter `{name}` removed"),
            );
        }
    }

    fn responses<'a>(doc: &'a OpenAPI, op: &'a Operation) -> BTreeMap<String, &'a Response> {
        let components = doc.components.as_ref().map(|c| &c.responses);
        let resolve = |r| deref(r, components, "#/components/responses/");
        op.responses
            .responses
            .iter()
            .filter_map(|(code, r)| resolve(r).map(|r| (code.to_string(), r)))
            .chain(
                op.responses
                    .default
                    .as_ref()
                    .and_then(resolve)
                    .map(|r| ("default".to_owned(), r)),
            )
            .collect()
    }

    fn compare_responses(&self, old_op: &Operation, new_op: &Operation, base: &str, out: &mut Out) {
        let old = Self::responses(self.old, old_op);
        let new = Self::responses(self.new, new_op);
        for (code, response) in &new {
            let location = format!("{base}/{code}");
            let Some(before) = old.get(code) else {
                out.push(Class::Additive, &location, format!("response {code} added"));
                continue;
            };
            out.docs(
                &format!("{location}/description"),
                "the description",
                &before.description,
                &response.description,
            );

            let header_components_old = self.old.components.as_ref().map(|c| &c.headers);
            let header_components_new = self.new.components.as_ref().map(|c| &c.headers);
            let lower = |m: &IndexMap<String, ReferenceOr<openapiv3::Header>>| -> BTreeMap<String, ReferenceOr<openapiv3::Header>> {
                m.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect()
            };
            let (old_headers, new_headers) = (lower(&before.headers), lower(&response.headers));
            for (name, header) in &new_headers {
                let hloc = format!("{location}/headers/{}", escape(name));
                let Some(prev) = old_headers.get(name) else {
                    out.push(
                        Class::Additive,
                        &hloc,
                        format!("response header `{name}` added"),
                    );
                    continue;
                };
                let (Some(a), Some(b)) = (
                    deref(prev, header_components_old, "#/components/headers/"),
                    deref(header, header_components_new, "#/components/headers/"),
                ) else {
                    continue;
                };
                out.docs(
                    &format!("{hloc}/description"),
                    "the description",
                    &a.description,
                    &b.description,
                );
                if let (
                    openapiv3::ParameterSchemaOrContent::Schema(sa),
                    openapiv3::ParameterSchemaOrContent::Schema(sb),
                ) = (&a.format, &b.format)
                {
                    if let (Some(sa), Some(sb)) = (schema_of(self.old, sa), schema_of(self.new, sb))
                    {
                        self.compare_schema(
                            sa,
                            sb,
                            Direction::Response,
                            &format!("{hloc}/schema"),
                            out,
                            0,
                        );
                    }
                }
            }
            for name in old_headers.keys().filter(|k| !new_headers.contains_key(*k)) {
                out.push(
                    Class::Breaking,
                    &format!("{location}/headers/{}", escape(name)),
                    format!("response header `{name}` removed"),
                );
            }

            for (media, content) in &response.content {
                let mloc = format!("{location}/content/{}", escape(media));
                let Some(prev) = before.content.get(media) else {
                    out.push(
                        Class::Additive,
                        &mloc,
                        format!("media type {media} added to response {code}"),
                    );
                    continue;
                };
                out.docs(
                    &format!("{mloc}/example"),
                    "the example",
                    &prev.example,
                    &content.example,
                );
                out.docs(
                    &format!("{mloc}/examples"),
                    "the examples",
                    &json(&prev.examples),
                    &json(&content.examples),
                );
                match (&prev.schema, &content.schema) {
                    (Some(a), Some(b)) => match (schema_of(self.old, a), schema_of(self.new, b)) {
                        (Some(a), Some(b)) => self.compare_schema(
                            a,
                            b,
                            Direction::Response,
                            &format!("{mloc}/schema"),
                            out,
                            0,
                        ),
                        _ => out.push(
                            Class::Breaking,
                            &format!("{mloc}/schema"),
                            "schema cannot be resolved",
                        ),
                    },
                    (Some(_), None) => {
                        out.push(Class::Breaking, &format!("{mloc}/schema"), "schema removed")
                    }
                    (None, Some(_)) => {
                        out.push(Class::Additive, &format!("{mloc}/schema"), "schema added")
                    }
                    (None, None) => {}
                }
            }
            for media in before
                .content
                .keys()
                .filter(|m| !response.content.contains_key(*m))
            {
                out.push(
                    Class::Breaking,
                    &format!("{location}/content/{}", escape(media)),
                    format!("media type {media} removed from response {code}"),
                );
            }
        }
        for code in old.keys().filter(|c| !new.contains_key(*c)) {
            out.push(
                Class::Breaking,
                &format!("{base}/{code}"),
                format!("response {code} removed"),
            );
        }
    }

    fn compare_security(
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
        for (name, scheme) in &new_schemes {
            let sloc = format!("/components/securitySchemes/{}", escape(name));
            match old_schemes.get(name) {
                Some(prev) if without_docs(prev) != without_docs(scheme) => out.push(
                    Class::Breaking,
                    &sloc,
                    format!("security scheme `{name}` changed"),
                ),
                Some(prev) if prev != scheme => out.push(
                    Class::Docs,
                    &sloc,
                    "the description or bearer format changed",
                ),
                Some(_) => {}
                None => out.push(
                    Class::Breaking,
                    &sloc,
                    format!("security scheme `{name}` added"),
                ),
            }
        }
        for name in old_schemes.keys().filter(|k| !new_schemes.contains_key(*k)) {
            out.push(
                Class::Breaking,
                &format!("/components/securitySchemes/{}", escape(name)),
                format!("security scheme `{name}` removed"),
            );
        }
    }

    fn compare_schema(
        &self,
        old: &Schema,
        new: &Schema,
        dir: Direction,
        loc: &str,
        out: &mut Out,
        depth: usize,
    ) {
        if depth > 24 {
            return;
        }
        let (a, b) = (&old.schema_data, &new.schema_data);
        out.docs(
            &format!("{loc}/description"),
            "the description",
            &a.description,
            &b.description,
        );
        out.docs(&format!("{loc}/title"), "the title", &a.title, &b.title);
        out.docs(
            &format!("{loc}/example"),
            "the example",
            &a.example,
            &b.example,
        );
        if a.default != b.default {
            out.push(
                Class::Additive,
                &format!("{loc}/default"),
                "the default value changed",
            );
        }
        if a.nullable != b.nullable {
            let class = match (dir, b.nullable) {
                (Direction::Response, true) | (Direction::Request, false) => Class::Breaking,
                _ => Class::Additive,
            };
            let change = if b.nullable {
                "made nullable"
            } else {
                "no longer nullable"
            };
            out.push(class, &format!("{loc}/nullable"), change);
        }

        match (&old.schema_kind, &new.schema_kind) {
            (SchemaKind::Type(ta), SchemaKind::Type(tb)) => {
                self.compare_types(ta, tb, dir, loc, out, depth)
            }
            (ka, kb) if type_name(ka) != type_name(kb) => out.push(
                Class::Breaking,
                &format!("{loc}/type"),
                format!("type changed from {} to {}", type_name(ka), type_name(kb)),
            ),
            (ka, kb) if json(ka) != json(kb) => out.push(
                Class::Breaking,
                loc,
                "schema composition (allOf/oneOf/anyOf/not) changed",
            ),
            _ => {}
        }
    }

    fn compare_types(
        &self,
        a: &Type,
        b: &Type,
        dir: Direction,
        loc: &str,
        out: &mut Out,
        depth: usize,
    ) {
        match (a, b) {
            (Type::String(a), Type::String(b)) => {
                format_change(&json(&a.format), &json(&b.format), loc, out);
                let strs = |v: &[Option<String>]| v.iter().flatten().cloned().collect::<Vec<_>>();
                enum_change(&strs(&a.enumeration), &strs(&b.enumeration), dir, loc, out);
                bound_change(
                    a.min_length,
                    b.min_length,
                    Bound::Min,
                    "minLength",
                    dir,
                    loc,
                    out,
                );
                bound_change(
                    a.max_length,
                    b.max_length,
                    Bound::Max,
                    "maxLength",
                    dir,
                    loc,
                    out,
                );
                match (&a.pattern, &b.pattern) {
                    (None, Some(p)) => out.push(
                        narrowing(dir),
                        &format!("{loc}/pattern"),
                        format!("pattern {p:?} added"),
                    ),
                    (Some(_), None) => out.push(
                        Class::Additive,
                        &format!("{loc}/pattern"),
                        "pattern removed",
                    ),
                    (Some(x), Some(y)) if x != y => out.push(
                        narrowing(dir),
                        &format!("{loc}/pattern"),
                        format!("pattern changed to {y:?}"),
                    ),
                    _ => {}
                }
            }
            (Type::Integer(a), Type::Integer(b)) => {
                format_change(&json(&a.format), &json(&b.format), loc, out);
                let nums =
                    |v: &[Option<i64>]| v.iter().flatten().map(i64::to_string).collect::<Vec<_>>();
                enum_change(&nums(&a.enumeration), &nums(&b.enumeration), dir, loc, out);
                bound_change(a.minimum, b.minimum, Bound::Min, "minimum", dir, loc, out);
                bound_change(a.maximum, b.maximum, Bound::Max, "maximum", dir, loc, out);
                if (a.exclusive_minimum, a.exclusive_maximum, a.multiple_of)
                    != (b.exclusive_minimum, b.exclusive_maximum, b.multiple_of)
                {
                    out.push(
                        narrowing(dir),
                        loc,
                        "exclusive bounds or multipleOf changed",
                    );
                }
            }
            (Type::Number(a), Type::Number(b)) => {
                format_change(&json(&a.format), &json(&b.format), loc, out);
                let nums =
                    |v: &[Option<f64>]| v.iter().flatten().map(f64::to_string).collect::<Vec<_>>();
                enum_change(&nums(&a.enumeration), &nums(&b.enumeration), dir, loc, out);
                bound_change(a.minimum, b.minimum, Bound::Min, "minimum", dir, loc, out);
                bound_change(a.maximum, b.maximum, Bound::Max, "maximum", dir, loc, out);
            }
            (Type::Boolean(a), Type::Boolean(b)) => {
                let bools = |v: &[Option<bool>]| {
                    v.iter().flatten().map(bool::to_string).collect::<Vec<_>>()
                };
                enum_change(
                    &bools(&a.enumeration),
                    &bools(&b.enumeration),
                    dir,
                    loc,
                    out,
                );
            }
            (Type::Array(a), Type::Array(b)) => {
                bound_change(
                    a.min_items,
                    b.min_items,
                    Bound::Min,
                    "minItems",
                    dir,
                    loc,
                    out,
                );
                bound_change(
                    a.max_items,
                    b.max_items,
                    Bound::Max,
                    "maxItems",
                    dir,
                    loc,
                    out,
                );
                match (&a.items, &b.items) {
                    (Some(ia), Some(ib)) => {
                        match (boxed_schema_of(self.old, ia), boxed_schema_of(self.new, ib)) {
                            (Some(sa), Some(sb)) => self.compare_schema(
                                sa,
                                sb,
                                dir,
                                &format!("{loc}/items"),
                                out,
                                depth + 1,
                            ),
                            _ => out.push(
                                Class::Breaking,
                                &format!("{loc}/items"),
                                "items schema cannot be resolved",
                            ),
                        }
                    }
                    (x, y) if json(x) != json(y) => {
                        out.push(Class::Breaking, &format!("{loc}/items"), "items changed")
                    }
                    _ => {}
                }
            }
            (Type::Object(a), Type::Object(b)) => self.compare_objects(a, b, dir, loc, out, depth),
            (a, b) => out.push(
                Class::Breaking,
                &format!("{loc}/type"),
                format!(
                    "type changed from {} to {}",
                    variant_name(a),
                    variant_name(b)
                ),
            ),
        }
    }

    fn compare_objects(
        &self,
        a: &openapiv3::ObjectType,
        b: &openapiv3::ObjectType,
        dir: Direction,
        loc: &str,
        out: &mut Out,
        depth: usize,
    ) {
        let required = |o: &openapiv3::ObjectType, name: &str| o.required.iter().any(|r| r == name);
        for (name, prop) in &b.properties {
            let ploc = format!("{loc}/properties/{}", escape(name));
            let Some(prev) = a.properties.get(name) else {
                let class = match (dir, required(b, name)) {
                    (Direction::Request, true) => Class::Breaking,
                    _ => Class::Additive,
                };
                out.push(class, &ploc, format!("property `{name}` added"));
                continue;
            };
            match (required(a, name), required(b, name)) {
                (true, false) => {
                    let class = if dir == Direction::Response {
                        Class::Breaking
                    } else {
                        Class::Additive
                    };
                    out.push(class, &ploc, format!("property `{name}` made optional"));
                }
                (false, true) => {
                    let class = if dir == Direction::Response {
                        Class::Additive
                    } else {
                        Class::Breaking
                    };
                    out.push(class, &ploc, format!("property `{name}` made required"));
                }
                _ => {}
            }
            match (
                boxed_schema_of(self.old, prev),
                boxed_schema_of(self.new, prop),
            ) {
                (Some(sa), Some(sb)) => self.compare_schema(sa, sb, dir, &ploc, out, depth + 1),
                _ => out.push(Class::Breaking, &ploc, "property schema cannot be resolved"),
            }
        }
        for name in a
            .properties
            .keys()
            .filter(|n| !b.properties.contains_key(*n))
        {
            out.push(
                Class::Breaking,
                &format!("{loc}/properties/{}", escape(name)),
                format!("property `{name}` removed"),
            );
        }
        if json(&a.additional_properties) != json(&b.additional_properties) {
            out.push(
                Class::Additive,
                &format!("{loc}/additionalProperties"),
                "additionalProperties changed",
            );
        }
    }
}

fn narrowing(dir: Direction) -> Class {
    match dir {
        Direction::Request => Class::Breaking,
        Direction::Response => Class::Additive,
    }
}

fn format_change(a: &Value, b: &Value, loc: &str, out: &mut Out) {
    if a != b {
        let show = |v: &Value| v.as_str().map_or_else(|| "none".to_owned(), str::to_owned);
        out.push(
            Class::Breaking,
            &format!("{loc}/format"),
            format!("format changed from {} to {}", show(a), show(b)),
        );
    }
}

fn enum_change(a: &[String], b: &[String], dir: Direction, loc: &str, out: &mut Out) {
    let location = format!("{loc}/enum");
    if a.is_empty() && !b.is_empty() {
        out.push(
            narrowing(dir),
            &location,
            format!("enum introduced: {}", b.join(", ")),
        );
        return;
    }
    if !a.is_empty() && b.is_empty() {
        out.push(
            Class::Additive,
            &location,
            "enum removed (any value accepted)",
        );
        return;
    }
    for value in b.iter().filter(|v| !a.contains(v)) {
        let change = match dir {
            Direction::Request => format!("enum value {value} added: the parameter accepts more"),
            Direction::Response => format!(
                "enum value {value} added to a response; this crate keeps values it does not know \
                 (OperationType::Unknown), so nothing breaks; regenerate to name it"
            ),
        };
        out.push(Class::Additive, &location, change);
    }
    for value in a.iter().filter(|v| !b.contains(v)) {
        out.push(
            Class::Breaking,
            &location,
            format!("enum value {value} removed"),
        );
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Bound {
    Min,
    Max,
}

fn bound_change<T: PartialOrd + fmt::Display + Copy>(
    a: Option<T>,
    b: Option<T>,
    bound: Bound,
    name: &str,
    dir: Direction,
    loc: &str,
    out: &mut Out,
) {
    let location = format!("{loc}/{name}");
    let show = |v: Option<T>| v.map_or_else(|| "none".to_owned(), |v| v.to_string());
    let tightened = match (a, b, bound) {
        (None, Some(_), _) => true,
        (Some(_), None, _) => false,
        (Some(x), Some(y), Bound::Min) if y > x => true,
        (Some(x), Some(y), Bound::Max) if y < x => true,
        (Some(x), Some(y), _) if x != y => false,
        _ => return,
    };
    let verb = match (bound, tightened) {
        (_, _) if a.is_none() => "added",
        (_, _) if b.is_none() => "removed",
        (Bound::Min, true) | (Bound::Max, false) => "raised",
        (Bound::Min, false) | (Bound::Max, true) => "lowered",
    };
    let class = if tightened {
        narrowing(dir)
    } else {
        Class::Additive
    };
    out.push(
        class,
        &location,
        format!("{name} {verb} ({} → {})", show(a), show(b)),
    );
}

fn type_name(kind: &SchemaKind) -> String {
    match kind {
        SchemaKind::Type(t) => variant_name(t).to_owned(),
        SchemaKind::OneOf { .. } => "oneOf".into(),
        SchemaKind::AllOf { .. } => "allOf".into(),
        SchemaKind::AnyOf { .. } => "anyOf".into(),
        SchemaKind::Not { .. } => "not".into(),
        SchemaKind::Any(_) => "any".into(),
    }
}

fn variant_name(t: &Type) -> &'static str {
    match t {
        Type::String(_) => "string",
        Type::Number(_) => "number",
        Type::Integer(_) => "integer",
        Type::Object(_) => "object",
        Type::Array(_) => "array",
        Type::Boolean(_) => "boolean",
    }
}

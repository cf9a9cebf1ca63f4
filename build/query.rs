//! The operation's query parameters, read from the document, and the Rust
//! code that every layer uses for them: the params struct, its validation,
//! its text and wire forms, the request builder's methods, and the copy onto
//! progenitor's builder. A parameter added to the document reaches all of
//! them with a regeneration and no hand-written line.

use std::fmt::Write as _;

use openapiv3::{
    OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, Type,
};

use crate::BuildError;

/// What a parameter's schema maps to.
enum Kind {
    /// `type: string, format: date-time`.
    DateTime,
    /// `type: integer`, with its bounds.
    Integer {
        minimum: Option<i64>,
        maximum: Option<i64>,
    },
    /// `type: string`, with its length bounds.
    Text(Lengths),
    /// A string enum: its values, and the wrapper type that stands in for it
    /// (a replaced component schema) or `None` for a plain `String`.
    Enum {
        values: Vec<String>,
        replacement: Option<String>,
    },
    /// `type: boolean`.
    Boolean,
    /// `type: array` of strings (form style, explode: the key repeated).
    TextList {
        min_items: Option<usize>,
        max_items: Option<usize>,
        item: Lengths,
    },
}

#[derive(Clone, Copy, Default)]
struct Lengths {
    min: Option<usize>,
    max: Option<usize>,
}

struct Param {
    name: String,
    description: String,
    kind: Kind,
}

/// Reads the query parameters of `operation_id` in the document's order.
fn params(
    spec: &OpenAPI,
    operation_id: &str,
    replacements: &[(&str, &str)],
) -> Result<Vec<Param>, BuildError> {
    let operation = spec
        .operations()
        .find(|(_, _, op)| op.operation_id.as_deref() == Some(operation_id))
        .map(|(_, _, op)| op)
        .ok_or_else(|| BuildError(format!("no operation `{operation_id}`")))?;
    let components = spec.components.as_ref();
    let mut out = Vec::new();
    for parameter in &operation.parameters {
        let parameter = match parameter {
            ReferenceOr::Item(p) => p,
            ReferenceOr::Reference { reference } => {
                let name = component_name(reference, "parameters")?;
                match components.and_then(|c| c.parameters.get(name)) {
                    Some(ReferenceOr::Item(p)) => p,
                    _ => return Err(BuildError(format!("{reference} is not defined"))),
                }
            }
        };
        let Parameter::Query { parameter_data, .. } = parameter else {
            continue; // header, path and cookie parameters are the client's
        };
        let name = parameter_data.name.clone();
        if parameter_data.required {
            return Err(BuildError(format!(
                "the query parameter `{name}` is required; the request builder supports \
                 optional query parameters only (a required one is a breaking change: \
                 extend build/query.rs deliberately)"
            )));
        }
        let ParameterSchemaOrContent::Schema(schema) = &parameter_data.format else {
            return Err(BuildError(format!(
                "the query parameter `{name}` has `content` instead of a schema; \
                 build/query.rs maps schemas only"
            )));
        };
        let kind = kind(spec, &name, schema, replacements)?;
        if !is_identifier(&name) {
            return Err(BuildError(format!(
                "the query parameter `{name}` is not a Rust identifier in snake case"
            )));
        }
        out.push(Param {
            description: parameter_data
                .description
                .clone()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            name,
            kind,
        });
    }
    Ok(out)
}

fn component_name<'a>(reference: &'a str, kind: &str) -> Result<&'a str, BuildError> {
    reference
        .strip_prefix(&format!("#/components/{kind}/"))
        .ok_or_else(|| {
            BuildError(format!(
                "{reference} is not a reference to components.{kind}"
            ))
        })
}

fn is_identifier(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn kind(
    spec: &OpenAPI,
    name: &str,
    schema: &ReferenceOr<Schema>,
    replacements: &[(&str, &str)],
) -> Result<Kind, BuildError> {
    let unsupported = |what: &str| {
        BuildError(format!(
            "the query parameter `{name}` is {what}; build/query.rs maps date-times, \
             integers, booleans, strings, string enums and arrays of strings"
        ))
    };
    let (schema, replacement) = match schema {
        ReferenceOr::Item(s) => (s, None),
        ReferenceOr::Reference { reference } => {
            let component = component_name(reference, "schemas")?;
            let replacement = replacements
                .iter()
                .find(|(schema, _)| *schema == component)
                .map(|(_, with)| (*with).to_owned());
            match spec
                .components
                .as_ref()
                .and_then(|c| c.schemas.get(component))
            {
                Some(ReferenceOr::Item(s)) => (s, replacement),
                _ => return Err(BuildError(format!("{reference} is not defined"))),
            }
        }
    };
    let SchemaKind::Type(ty) = &schema.schema_kind else {
        return Err(unsupported("not of a single type"));
    };
    Ok(match ty {
        Type::String(s) => {
            let values: Vec<String> = s.enumeration.iter().flatten().cloned().collect();
            let format = match &s.format {
                openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::DateTime) => {
                    Some("date-time")
                }
                openapiv3::VariantOrUnknownOrEmpty::Empty => None,
                _ => return Err(unsupported("a string of a format other than date-time")),
            };
            if format.is_some() {
                Kind::DateTime
            } else if !values.is_empty() {
                Kind::Enum {
                    values,
                    replacement,
                }
            } else {
                Kind::Text(Lengths {
                    min: s.min_length,
                    max: s.max_length,
                })
            }
        }
        Type::Integer(i) => Kind::Integer {
            minimum: i.minimum.map(|m| m + i64::from(i.exclusive_minimum)),
            maximum: i.maximum.map(|m| m - i64::from(i.exclusive_maximum)),
        },
        Type::Boolean(_) => Kind::Boolean,
        Type::Array(a) => {
            let item = match a.items.as_ref() {
                Some(ReferenceOr::Item(item)) => match &item.schema_kind {
                    SchemaKind::Type(Type::String(s))
                        if s.enumeration.is_empty()
                            && matches!(s.format, openapiv3::VariantOrUnknownOrEmpty::Empty) =>
                    {
                        Lengths {
                            min: s.min_length,
                            max: s.max_length,
                        }
                    }
                    _ => return Err(unsupported("an array of something other than strings")),
                },
                _ => return Err(unsupported("an array without inline string items")),
            };
            Kind::TextList {
                min_items: a.min_items,
                max_items: a.max_items,
                item,
            }
        }
        Type::Number(_) => return Err(unsupported("a number")),
        Type::Object(_) => return Err(unsupported("an object")),
    })
}

impl Kind {
    /// The Rust type of the field (inside its `Option`).
    fn rust_type(&self) -> String {
        match self {
            Self::DateTime => "::chrono::DateTime<::chrono::Utc>".into(),
            Self::Integer { minimum, maximum } => match (minimum, maximum) {
                (Some(min), Some(max)) if *min >= 0 && *max <= i64::from(u32::MAX) => "u32".into(),
                (Some(min), _) if *min >= 0 => "u64".into(),
                _ => "i64".into(),
            },
            Self::Text(_) => "::std::string::String".into(),
            Self::Enum {
                replacement: Some(path),
                ..
            } => path.clone(),
            Self::Enum { .. } => "::std::string::String".into(),
            Self::Boolean => "bool".into(),
            Self::TextList { .. } => "::std::vec::Vec<::std::string::String>".into(),
        }
    }

    /// The descriptor's kind, as a constant expression.
    fn descriptor(&self) -> String {
        let opt = |v: Option<usize>| v.map_or_else(|| "None".into(), |v| format!("Some({v})"));
        let opt_i = |v: Option<i64>| v.map_or_else(|| "None".into(), |v| format!("Some({v})"));
        match self {
            Self::DateTime => "crate::list::parameter::ParameterKind::DateTime".into(),
            Self::Integer { minimum, maximum } => format!(
                "crate::list::parameter::ParameterKind::Integer {{ minimum: {}, maximum: {} }}",
                opt_i(*minimum),
                opt_i(*maximum)
            ),
            Self::Text(l) => format!(
                "crate::list::parameter::ParameterKind::Text {{ min_length: {}, max_length: {} }}",
                opt(l.min),
                opt(l.max)
            ),
            Self::Enum { values, .. } => {
                format!("crate::list::parameter::ParameterKind::Enum {{ values: &{values:?} }}")
            }
            Self::Boolean => "crate::list::parameter::ParameterKind::Boolean".into(),
            Self::TextList {
                min_items,
                max_items,
                item,
            } => format!(
                "crate::list::parameter::ParameterKind::TextList {{ min_items: {}, max_items: {}, min_length: {}, max_length: {} }}",
                opt(*min_items),
                opt(*max_items),
                opt(item.min),
                opt(item.max)
            ),
        }
    }
}

/// The item type progenitor's builder takes for array parameter `name`:
/// `T` of its setter's bound `V: TryInto<Vec<T>>`, as a path from the crate
/// root (`String`, or a constrained newtype such as
/// `crate::generated::types::ListAuditLogsOperationNameItem`).
fn setter_item_type(generated: &syn::File, name: &str) -> Result<String, BuildError> {
    let missing = || {
        BuildError(format!(
            "progenitor's builder has no setter `{name}` of the form `V: TryInto<Vec<T>>`"
        ))
    };
    let builder = generated
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref(),
            _ => None,
        })
        .ok_or_else(missing)?;
    let setter = builder
        .1
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(i) => Some(i),
            _ => None,
        })
        .flat_map(|i| &i.items)
        .find_map(|item| match item {
            syn::ImplItem::Fn(f) if f.sig.ident == name => Some(f),
            _ => None,
        })
        .ok_or_else(missing)?;
    let bound = setter
        .sig
        .generics
        .where_clause
        .as_ref()
        .and_then(|w| w.predicates.first())
        .ok_or_else(missing)?;
    let text: String = quote::ToTokens::to_token_stream(bound)
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let inner = text
        .split_once("TryInto<::std::vec::Vec<")
        .and_then(|(_, rest)| rest.strip_suffix(">>"))
        .ok_or_else(missing)?;
    Ok(match inner.strip_prefix("types::") {
        Some(local) => format!("crate::generated::types::{local}"),
        None => inner.to_owned(),
    })
}

/// The Rust source of the query parameters of `operation_id`; `generated`
/// is progenitor's code for it, whose setters the copy calls.
pub fn generate(
    spec: &OpenAPI,
    operation_id: &str,
    replacements: &[(&str, &str)],
    generated: &syn::File,
) -> Result<String, BuildError> {
    let params = params(spec, operation_id, replacements)?;
    let mut s = String::new();
    let w = &mut s;
    let doc = |w: &mut String, text: &str| {
        for line in text.lines() {
            let _ = writeln!(w, "#[doc = {:?}]", format!(" {line}").trim_end());
        }
    };

    // The struct.
    let _ = writeln!(
        w,
        "/// The query parameters of `GET /v2/audit-logs`, all optional: one field \
         each, generated\n/// from the checked-in document (`openapi/`) by `build.rs`.\n///\n\
         /// Serialisable, so an export can store them beside its journal and resume \
         with exactly the\n/// same filters."
    );
    let _ = writeln!(
        w,
        "#[derive(Clone, Debug, Default, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize)]\n#[non_exhaustive]\npub struct ListAuditLogsParams {{"
    );
    for p in &params {
        doc(w, &format!("`{}`: {}", p.name, p.description));
        let _ = writeln!(
            w,
            "#[serde(default, skip_serializing_if = \"Option::is_none\")]\npub {}: Option<{}>,",
            p.name,
            p.kind.rust_type()
        );
    }
    let _ = writeln!(w, "}}\n");

    // Descriptors, schema checks, text and wire forms.
    let _ = writeln!(w, "impl ListAuditLogsParams {{");
    let _ = writeln!(
        w,
        "/// The operation's query parameters as the document defines them, in its order.\npub const PARAMETERS: &'static [crate::list::parameter::Parameter] = &["
    );
    for p in &params {
        let _ = writeln!(
            w,
            "crate::list::parameter::Parameter {{ name: {:?}, description: {:?}, kind: {} }},",
            p.name,
            p.description,
            p.kind.descriptor()
        );
    }
    let _ = writeln!(w, "];\n");

    let _ = writeln!(
        w,
        "/// Checks every parameter against its schema (bounds, lengths, item counts, enums).\n\
         pub(crate) fn check_schema(&self) -> Result<(), crate::error::ValidationError> {{\n\
         use crate::list::check;"
    );
    for (i, p) in params.iter().enumerate() {
        let n = &p.name;
        let kind = format!("&Self::PARAMETERS[{i}]");
        match &p.kind {
            Kind::DateTime | Kind::Boolean => {}
            Kind::Integer { .. } => {
                let _ = writeln!(
                    w,
                    "if let Some(v) = self.{n} {{ check::integer({kind}, i128::from(v))?; }}"
                );
            }
            Kind::Text(_) => {
                let _ = writeln!(
                    w,
                    "if let Some(v) = &self.{n} {{ check::text({kind}, v, None)?; }}"
                );
            }
            Kind::Enum { .. } => {
                let _ = writeln!(
                    w,
                    "if let Some(v) = &self.{n} {{ check::one_of({kind}, &v.to_string())?; }}"
                );
            }
            Kind::TextList { .. } => {
                let _ = writeln!(
                    w,
                    "if let Some(v) = &self.{n} {{ check::text_list({kind}, v)?; }}"
                );
            }
        }
    }
    let _ = writeln!(w, "Ok(())\n}}\n");

    let _ = writeln!(
        w,
        "/// Sets the parameter `name` from its text form, as in a URL query or on a command \
         line:\n/// one value, or one per item of an array parameter. A value that cannot be \
         read as the\n/// parameter's type is an error naming the parameter; the schema's \
         rules are checked by\n/// [`validate`](Self::validate).\n\
         pub fn set_text(&mut self, name: &str, values: &[&str]) -> Result<(), crate::error::ValidationError> {{\n\
         use crate::list::text;\n\
         let Some(parameter) = Self::PARAMETERS.iter().find(|p| p.name == name) else {{\n\
         return Err(crate::error::ValidationError::unknown_parameter(name));\n}};\n\
         match parameter.name {{"
    );
    for p in &params {
        let n = &p.name;
        let expr = match &p.kind {
            Kind::DateTime => {
                "text::date_time(parameter, text::single(parameter, values)?)?".to_owned()
            }
            Kind::Integer { .. } => format!(
                "text::integer::<{}>(parameter, text::single(parameter, values)?)?",
                p.kind.rust_type()
            ),
            Kind::Text(_) => "text::single(parameter, values)?.to_owned()".to_owned(),
            Kind::Enum {
                replacement: Some(path),
                ..
            } => format!(
                "{path}::from(text::enum_value(parameter, text::single(parameter, values)?)?)"
            ),
            Kind::Enum { .. } => {
                "text::enum_value(parameter, text::single(parameter, values)?)?.to_owned()"
                    .to_owned()
            }
            Kind::Boolean => {
                "text::boolean(parameter, text::single(parameter, values)?)?".to_owned()
            }
            Kind::TextList { .. } => "values.iter().map(|v| (*v).to_owned()).collect()".to_owned(),
        };
        let _ = writeln!(w, "{n:?} => self.{n} = Some({expr}),");
    }
    let _ = writeln!(w, "_ => {{}}\n}}\nOk(())\n}}\n");

    let _ = writeln!(
        w,
        "/// The parameters that are set, in their text form (what [`set_text`](Self::set_text) \
         reads):\n/// `(name, value)` pairs in the document's order, an array's items as \
         repeated pairs, as\n/// they go on the wire.\n\
         pub fn to_query(&self) -> Vec<(&'static str, String)> {{\n\
         let mut out = Vec::new();"
    );
    for p in &params {
        let n = &p.name;
        let value = match &p.kind {
            Kind::DateTime => "crate::list::text::format_date_time(v)".to_owned(),
            Kind::TextList { .. } => {
                let _ = writeln!(
                    w,
                    "for v in self.{n}.iter().flatten() {{ out.push(({n:?}, v.clone())); }}"
                );
                continue;
            }
            _ => "v.to_string()".to_owned(),
        };
        let _ = writeln!(
            w,
            "if let Some(v) = &self.{n} {{ out.push(({n:?}, {value})); }}"
        );
    }
    let _ = writeln!(w, "out\n}}\n");

    let _ = writeln!(
        w,
        "/// Copies every parameter that is set onto progenitor's request builder. An array \
         item that\n/// progenitor's item type refuses is an error (validation refuses it first).\n\
         pub(crate) fn apply<'a>(&self, mut request: crate::generated::builder::ListAuditLogs<'a>) \
         -> Result<crate::generated::builder::ListAuditLogs<'a>, crate::error::ValidationError> {{"
    );
    for (i, p) in params.iter().enumerate() {
        let n = &p.name;
        let value = match &p.kind {
            Kind::DateTime | Kind::Boolean => "*v".to_owned(),
            Kind::Integer { .. } if p.kind.rust_type() == "u32" => "u64::from(*v)".to_owned(),
            Kind::Integer { .. } => "*v".to_owned(),
            Kind::TextList { .. } => {
                let item = setter_item_type(generated, n)?;
                format!(
                    "v.iter().enumerate().map(|(i, item)| <{item} as ::std::convert::TryFrom<&str>>::try_from(item.as_str()).map_err(|_| crate::list::text::refused(&Self::PARAMETERS[{i}], item, i))).collect::<Result<Vec<_>, _>>()?"
                )
            }
            _ => "v.clone()".to_owned(),
        };
        let _ = writeln!(
            w,
            "if let Some(v) = &self.{n} {{ request = request.{n}({value}); }}"
        );
    }
    let _ = writeln!(w, "Ok(request)\n}}\n}}\n");

    // The request builder's methods.
    let _ = writeln!(w, "impl crate::list::builder::ListAuditLogs {{");
    for p in &params {
        let n = &p.name;
        doc(w, &format!("`{n}`: {}", p.description));
        let (arg, value) = match &p.kind {
            Kind::DateTime | Kind::Boolean | Kind::Integer { .. } => {
                (p.kind.rust_type(), "value".to_owned())
            }
            Kind::Text(_)
            | Kind::Enum {
                replacement: None, ..
            } => ("impl Into<String>".to_owned(), "value.into()".to_owned()),
            Kind::Enum {
                replacement: Some(path),
                ..
            } => (format!("impl Into<{path}>"), "value.into()".to_owned()),
            Kind::TextList { .. } => (
                "impl crate::list::parameter::Values".to_owned(),
                "value.into_values()".to_owned(),
            ),
        };
        let _ = writeln!(
            w,
            "pub fn {n}(mut self, value: {arg}) -> Self {{ self.params.{n} = Some({value}); self }}"
        );
    }
    let _ = writeln!(w, "}}");
    Ok(s)
}

//! Parameters, keyed by name and place: an optional one added is additive,
//! a required one added or any removed breaking; a common parameter's
//! schema is compared as something the client sends.

use std::collections::BTreeMap;

use openapiv3::{OpenAPI, Operation, Parameter, ParameterSchemaOrContent, ReferenceOr};

use super::{deref, json, keyed, schema_of, Class, Direction, Docs, Keyed, Out};
use crate::document::escape;

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

    pub(super) fn compare_parameters(
        &self,
        (old_op, old_path_params): (&Operation, &[ReferenceOr<Parameter>]),
        (new_op, new_path_params): (&Operation, &[ReferenceOr<Parameter>]),
        base: &str,
        out: &mut Out,
    ) {
        let old = Self::parameters(self.old, old_op, old_path_params);
        let new = Self::parameters(self.new, new_op, new_path_params);
        for ((name, place), change) in keyed(old, new) {
            let location = format!("{base}/{}", escape(&name));
            match change {
                Keyed::Added(param) if param.parameter_data_ref().required => out.push(
                    Class::Breaking,
                    &location,
                    format!("required {place} parameter `{name}` added"),
                ),
                Keyed::Added(_) => out.push(
                    Class::Additive,
                    &location,
                    format!(
                        "optional {place} parameter `{name}` added; regenerate to get a builder \
                         method for it"
                    ),
                ),
                Keyed::Removed => out.push(
                    Class::Breaking,
                    &location,
                    format!("{place} parameter `{name}` removed"),
                ),
                Keyed::Both(before, param) => {
                    self.compare_parameter(&name, before, param, &location, out);
                }
            }
        }
    }

    fn compare_parameter(
        &self,
        name: &str,
        before: &Parameter,
        param: &Parameter,
        location: &str,
        out: &mut Out,
    ) {
        let (before_data, data) = (before.parameter_data_ref(), param.parameter_data_ref());
        match (before_data.required, data.required) {
            (false, true) => out.push(
                Class::Breaking,
                location,
                format!("parameter `{name}` made required"),
            ),
            (true, false) => out.push(
                Class::Additive,
                location,
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
        if json(before).get("style") != json(param).get("style") {
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
}

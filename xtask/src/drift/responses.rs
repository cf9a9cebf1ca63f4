//! Responses keyed by status, and within each its headers (by lowercase
//! name) and media types: what the server may send. Something added is
//! additive, something removed breaking.

use std::collections::BTreeMap;

use openapiv3::{MediaType, OpenAPI, Operation, ParameterSchemaOrContent, ReferenceOr, Response};

use super::{deref, json, keyed, schema_of, Class, Direction, Docs, Keyed, Out};
use crate::document::escape;

impl Docs<'_> {
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

    pub(super) fn compare_responses(
        &self,
        old_op: &Operation,
        new_op: &Operation,
        base: &str,
        out: &mut Out,
    ) {
        let old = Self::responses(self.old, old_op);
        let new = Self::responses(self.new, new_op);
        for (code, change) in keyed(old, new) {
            let location = format!("{base}/{code}");
            match change {
                Keyed::Added(_) => {
                    out.push(Class::Additive, &location, format!("response {code} added"))
                }
                Keyed::Removed => out.push(
                    Class::Breaking,
                    &location,
                    format!("response {code} removed"),
                ),
                Keyed::Both(before, response) => {
                    out.docs(
                        &format!("{location}/description"),
                        "the description",
                        &before.description,
                        &response.description,
                    );
                    self.compare_headers(before, response, &location, out);
                    self.compare_media_types(&code, before, response, &location, out);
                }
            }
        }
    }

    fn compare_headers(
        &self,
        before: &Response,
        response: &Response,
        location: &str,
        out: &mut Out,
    ) {
        let components_old = self.old.components.as_ref().map(|c| &c.headers);
        let components_new = self.new.components.as_ref().map(|c| &c.headers);
        for (name, change) in keyed(lowercase_headers(before), lowercase_headers(response)) {
            let hloc = format!("{location}/headers/{}", escape(&name));
            let (prev, header) = match change {
                Keyed::Added(_) => {
                    out.push(
                        Class::Additive,
                        &hloc,
                        format!("response header `{name}` added"),
                    );
                    continue;
                }
                Keyed::Removed => {
                    out.push(
                        Class::Breaking,
                        &hloc,
                        format!("response header `{name}` removed"),
                    );
                    continue;
                }
                Keyed::Both(prev, header) => (prev, header),
            };
            let (Some(a), Some(b)) = (
                deref(prev, components_old, "#/components/headers/"),
                deref(header, components_new, "#/components/headers/"),
            ) else {
                continue;
            };
            out.docs(
                &format!("{hloc}/description"),
                "the description",
                &a.description,
                &b.description,
            );
            if let (ParameterSchemaOrContent::Schema(sa), ParameterSchemaOrContent::Schema(sb)) =
                (&a.format, &b.format)
            {
                if let (Some(sa), Some(sb)) = (schema_of(self.old, sa), schema_of(self.new, sb)) {
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
    }

    fn compare_media_types(
        &self,
        code: &str,
        before: &Response,
        response: &Response,
        location: &str,
        out: &mut Out,
    ) {
        for (media, change) in keyed(&before.content, &response.content) {
            let mloc = format!("{location}/content/{}", escape(media));
            match change {
                Keyed::Added(_) => out.push(
                    Class::Additive,
                    &mloc,
                    format!("media type {media} added to response {code}"),
                ),
                Keyed::Removed => out.push(
                    Class::Breaking,
                    &mloc,
                    format!("media type {media} removed from response {code}"),
                ),
                Keyed::Both(prev, content) => self.compare_media_type(prev, content, &mloc, out),
            }
        }
    }

    fn compare_media_type(&self, prev: &MediaType, content: &MediaType, mloc: &str, out: &mut Out) {
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
            (None, Some(_)) => out.push(Class::Additive, &format!("{mloc}/schema"), "schema added"),
            (None, None) => {}
        }
    }
}

/// A response's headers by lowercase name (HTTP header names ignore case).
fn lowercase_headers(response: &Response) -> Vec<(String, &ReferenceOr<openapiv3::Header>)> {
    response
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect()
}

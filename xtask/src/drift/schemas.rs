//! Schemas, compared in the direction they travel: narrowing what the
//! client sends breaks callers, narrowing what the server sends does not.
//! Object properties are a keyed collection like the others.

use std::fmt;

use openapiv3::{Schema, SchemaKind, Type};
use serde_json::Value;

use super::{boxed_schema_of, json, keyed, Class, Direction, Docs, Keyed, Out};
use crate::document::escape;

impl Docs<'_> {
    pub(super) fn compare_schema(
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
        for (name, change) in keyed(&a.properties, &b.properties) {
            let ploc = format!("{loc}/properties/{}", escape(name));
            let (prev, prop) = match change {
                Keyed::Added(_) => {
                    let class = match (dir, required(b, name)) {
                        (Direction::Request, true) => Class::Breaking,
                        _ => Class::Additive,
                    };
                    out.push(class, &ploc, format!("property `{name}` added"));
                    continue;
                }
                Keyed::Removed => {
                    out.push(Class::Breaking, &ploc, format!("property `{name}` removed"));
                    continue;
                }
                Keyed::Both(prev, prop) => (prev, prop),
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

//! Query parameters in their text form: as in a URL query, on a command
//! line, or in an export's journal.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::{
    error::ValidationError, error::ValidationRule, list::parameter::Parameter,
    list::parameter::ParameterKind,
};

/// The one value of a parameter that takes one.
pub(crate) fn single<'a>(
    parameter: &Parameter,
    values: &[&'a str],
) -> Result<&'a str, ValidationError> {
    match values {
        [one] => Ok(one),
        _ => Err(ValidationError::new(
            parameter.name,
            ValidationRule::TooMany {
                count: values.len(),
                max: 1,
            },
        )),
    }
}

fn malformed(parameter: &Parameter, value: &str, expected: &'static str) -> ValidationError {
    ValidationError::new(
        parameter.name,
        ValidationRule::Malformed {
            value: value.to_owned(),
            expected,
        },
    )
}

/// An RFC 3339 date-time.
pub(crate) fn date_time(
    parameter: &Parameter,
    value: &str,
) -> Result<DateTime<Utc>, ValidationError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            malformed(
                parameter,
                value,
                "an RFC 3339 date-time (2026-05-18T12:00:00Z)",
            )
        })
}

/// A date-time as [`date_time`] reads it back: RFC 3339 in UTC, with as many
/// fractional digits as it needs.
pub(crate) fn format_date_time(value: &DateTime<Utc>) -> String {
    value.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// An integer of the field's type.
pub(crate) fn integer<T: std::str::FromStr>(
    parameter: &Parameter,
    value: &str,
) -> Result<T, ValidationError> {
    value
        .parse()
        .map_err(|_| malformed(parameter, value, "an integer"))
}

/// `true` or `false`.
#[allow(dead_code)] // for boolean parameters, when the document has one
pub(crate) fn boolean(parameter: &Parameter, value: &str) -> Result<bool, ValidationError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(malformed(parameter, value, "true or false")),
    }
}

/// A documented enum value, given in any case: the documented spelling.
pub(crate) fn enum_value(
    parameter: &Parameter,
    value: &str,
) -> Result<&'static str, ValidationError> {
    let ParameterKind::Enum { values } = parameter.kind else {
        return Err(malformed(parameter, value, "a documented value"));
    };
    values
        .iter()
        .find(|v| v.eq_ignore_ascii_case(value))
        .copied()
        .ok_or_else(|| {
            ValidationError::new(
                parameter.name,
                ValidationRule::NotOneOf {
                    value: value.to_owned(),
                    allowed: values,
                },
            )
        })
}

/// An array item that progenitor's item type refuses, at position `item`.
#[allow(dead_code)] // for array parameters, when the document has one
pub(crate) fn refused(parameter: &Parameter, value: &str, item: usize) -> ValidationError {
    malformed(parameter, value, "accepted by the generated bindings").at_item(Some(item))
}

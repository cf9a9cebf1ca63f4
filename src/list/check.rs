//! The schema rules of query parameters, checked before anything is sent.

use crate::{
    error::ValidationError, error::ValidationRule, list::parameter::Parameter,
    list::parameter::ParameterKind,
};

/// An integer against its bounds.
pub(crate) fn integer(parameter: &Parameter, value: i128) -> Result<(), ValidationError> {
    if let ParameterKind::Integer { minimum, maximum } = parameter.kind {
        let min = minimum.unwrap_or(i64::MIN);
        let max = maximum.unwrap_or(i64::MAX);
        if !(i128::from(min)..=i128::from(max)).contains(&value) {
            let value = i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX });
            return Err(ValidationError::new(
                parameter.name,
                ValidationRule::OutOfRange { value, min, max },
            ));
        }
    }
    Ok(())
}

/// A string against its length bounds; `item` is its position in an array.
/// An empty string is never a meaningful filter: refused even when the
/// schema sets no minimum.
pub(crate) fn text(
    parameter: &Parameter,
    value: &str,
    item: Option<usize>,
) -> Result<(), ValidationError> {
    let (min, max) = match parameter.kind {
        ParameterKind::Text {
            min_length,
            max_length,
        }
        | ParameterKind::TextList {
            min_length,
            max_length,
            ..
        } => (min_length, max_length),
        _ => (None, None),
    };
    let length = value.chars().count();
    let rule = if length == 0 {
        Some(ValidationRule::Empty)
    } else if min.is_some_and(|min| length < min) {
        Some(ValidationRule::TooShort {
            length,
            min: min.unwrap_or_default(),
        })
    } else if max.is_some_and(|max| length > max) {
        Some(ValidationRule::TooLong {
            length,
            max: max.unwrap_or_default(),
        })
    } else {
        None
    };
    match rule {
        Some(rule) => Err(ValidationError::new(parameter.name, rule).at_item(item)),
        None => Ok(()),
    }
}

/// A value against the documented set.
pub(crate) fn one_of(parameter: &Parameter, value: &str) -> Result<(), ValidationError> {
    match parameter.kind {
        _ if value.is_empty() => Err(ValidationError::new(parameter.name, ValidationRule::Empty)),
        ParameterKind::Enum { values } if !values.contains(&value) => Err(ValidationError::new(
            parameter.name,
            ValidationRule::NotOneOf {
                value: value.to_owned(),
                allowed: values,
            },
        )),
        _ => Ok(()),
    }
}

/// An array against its item count, and each item against its length.
#[allow(dead_code)] // for array parameters, when the document has one
pub(crate) fn text_list(parameter: &Parameter, values: &[String]) -> Result<(), ValidationError> {
    if let ParameterKind::TextList {
        min_items,
        max_items,
        ..
    } = parameter.kind
    {
        let count = values.len();
        if count < min_items.unwrap_or(1) {
            return Err(ValidationError::new(
                parameter.name,
                ValidationRule::TooFew {
                    count,
                    min: min_items.unwrap_or(1),
                },
            ));
        }
        if let Some(max) = max_items.filter(|max| count > *max) {
            return Err(ValidationError::new(
                parameter.name,
                ValidationRule::TooMany { count, max },
            ));
        }
    }
    for (i, value) in values.iter().enumerate() {
        text(parameter, value, Some(i))?;
    }
    Ok(())
}

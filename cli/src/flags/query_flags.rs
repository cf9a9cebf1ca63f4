//! One flag for each query parameter of the document that has no
//! hand-written convenience flag, built from
//! [`ListAuditLogsParams::PARAMETERS`]: a parameter added to the document is
//! a flag of `list` and `export` after a regeneration, with no line here.

use arize_audit_logs::{ListAuditLogsParams, Parameter, ParameterKind, ValidationError};
use clap::{Arg, ArgAction, ArgMatches};

/// Parameters whose flags are written by hand: the range (`--start`, `--end`,
/// `--since`) and paging (`--limit`/`--page-size`, `--cursor`).
const CONVENIENCES: &[&str] = &["start_time", "end_time", "limit", "cursor"];

/// The parameters that get a flag from the document, in its order.
pub fn parameters() -> impl Iterator<Item = &'static Parameter> {
    ListAuditLogsParams::PARAMETERS
        .iter()
        .filter(|p| !CONVENIENCES.contains(&p.name))
}

/// The flag of a parameter: `operation_name` → `--operation-name`.
pub fn flag(parameter: &Parameter) -> String {
    format!("--{}", parameter.name.replace('_', "-"))
}

/// The values given for the document's parameters.
#[derive(Clone, Debug, Default)]
pub struct QueryFlags {
    pub given: Vec<(&'static Parameter, Vec<String>)>,
}

impl QueryFlags {
    /// Sets the given parameters on `params` and checks them, naming the flag
    /// of the first that breaks a rule.
    pub fn apply(&self, params: &mut ListAuditLogsParams) -> Result<(), String> {
        for (parameter, values) in &self.given {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            params
                .set_text(parameter.name, &values)
                .map_err(|e| describe(&e))?;
        }
        params.validate().map_err(|e| describe(&e))
    }
}

/// A broken rule, named by its flag when the flag is this module's.
fn describe(e: &ValidationError) -> String {
    match parameters().find(|p| p.name == e.parameter) {
        Some(p) => match e.item {
            Some(item) => format!("{} (value {}): {}", flag(p), item + 1, e.rule),
            None => format!("{}: {}", flag(p), e.rule),
        },
        None => e.to_string(),
    }
}

fn arg(parameter: &'static Parameter) -> Arg {
    let first_sentence = parameter
        .description
        .split_once(". ")
        .map_or(parameter.description, |(first, _)| first)
        .trim_end_matches('.');
    let mut help = first_sentence.to_owned();
    let mut value_name = "TEXT".to_owned();
    match parameter.kind {
        ParameterKind::Enum { values } => {
            help += &format!(" [values: {}]", values.join(", "));
            value_name = "VALUE".into();
        }
        ParameterKind::TextList { max_items, .. } => {
            help += " (repeat the flag for several";
            if let Some(max) = max_items {
                help += &format!(", up to {max}");
            }
            help += ")";
        }
        ParameterKind::Integer { .. } => value_name = "N".into(),
        ParameterKind::Boolean => value_name = "true|false".into(),
        ParameterKind::DateTime => value_name = "TIME".into(),
        _ => {}
    }
    Arg::new(parameter.name)
        .long(parameter.name.replace('_', "-"))
        .value_name(value_name)
        .help(help)
        .action(if parameter.is_repeated() {
            ArgAction::Append
        } else {
            ArgAction::Set
        })
}

impl clap::FromArgMatches for QueryFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let given = parameters()
            .filter_map(|p| {
                let values = matches.get_many::<String>(p.name)?;
                Some((p, values.cloned().collect()))
            })
            .collect();
        Ok(Self { given })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Args for QueryFlags {
    fn augment_args(command: clap::Command) -> clap::Command {
        parameters().fold(command, |command, p| command.arg(arg(p)))
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

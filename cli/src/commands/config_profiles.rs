//! `config profiles`: the names `--profile` takes, one a line (what shell
//! completions offer for `--profile`).

use crate::{failure::Failure, flags::completion_values, terminal::stdout};

/// Prints the names; a config file that cannot be read is warned about and
/// its names left out.
pub fn run() -> Result<(), Failure> {
    let (names, problem) = completion_values::profile_names();
    if let Some(problem) = problem {
        crate::terminal::notice::warn(&format!("warning: {problem}"));
    }
    let text: String = names.iter().map(|n| format!("{n}\n")).collect();
    stdout::write_all(text.as_bytes())
}

//! `man [COMMAND]` and `man --dir DIR`: the manual pages in roff, generated
//! by clap_mangen from the parser's own definition.

use std::path::Path;

use clap::CommandFactory;

use crate::{
    commands::completions::BIN,
    failure::Failure,
    flags::cli::{Cli, ManArgs},
};

pub fn run(args: ManArgs) -> Result<(), Failure> {
    let mut command = Cli::command();
    command.build();
    if let Some(dir) = &args.dir {
        return write_all_pages(&command, dir);
    }
    let page = match &args.command {
        None => command,
        Some(name) => {
            let Some(sub) = command.find_subcommand(name) else {
                return Err(Failure::Usage(format!(
                    "no command {name:?}; the commands are {}",
                    command_names(&command).join(", ")
                )));
            };
            command_page(sub, name)
        }
    };
    crate::terminal::stdout::write_all(&render(page)?)
}

/// The commands that have a page of their own (every one but `help`).
fn command_names(command: &clap::Command) -> Vec<String> {
    command
        .get_subcommands()
        .filter(|c| c.get_name() != "help")
        .map(|c| c.get_name().to_owned())
        .collect()
}

/// A command's page, named as the tool's page refers to it
/// (`arize-audit-logs-export(1)`).
fn command_page(sub: &clap::Command, name: &str) -> clap::Command {
    sub.clone()
        .name(format!("{BIN}-{name}"))
        .bin_name(format!("{BIN} {name}"))
}

fn render(page: clap::Command) -> Result<Vec<u8>, Failure> {
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut roff)
        .map_err(|e| Failure::Io(format!("cannot render the manual page: {e}")))?;
    Ok(roff)
}

/// Writes the tool's page and every command's page into `dir`, which is
/// created when missing, and prints each path written. Pages are generated
/// files: an older page of the same name is replaced, as an install does.
fn write_all_pages(command: &clap::Command, dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir).map_err(|e| Failure::io(dir, e))?;
    let mut pages = vec![(format!("{BIN}.1"), render(command.clone())?)];
    // Every page the tool's page names, `help` included.
    for sub in command.get_subcommands() {
        let name = sub.get_name();
        pages.push((format!("{BIN}-{name}.1"), render(command_page(sub, name))?));
    }
    let mut written = String::new();
    for (file, roff) in pages {
        let path = dir.join(file);
        std::fs::write(&path, roff).map_err(|e| Failure::io(&path, e))?;
        written.push_str(&format!("{}\n", path.display()));
    }
    crate::terminal::stdout::write_all(written.as_bytes())
}

//! `verify PATH|s3://…`: checks an archive against its digest chain, and
//! with `--against-arize` against the API.

use std::io;

use crate::{
    bucket,
    connection::connect,
    digest::{
        self,
        keys::PublicKey,
        reconcile,
        report::{Kind, Range, Report},
        verify,
    },
    failure::Failure,
    flags::{cli::VerifyArgs, names::Flags},
    terminal::stdout,
};

pub async fn run(args: VerifyArgs) -> Result<(), Failure> {
    let key = args
        .public_key
        .as_deref()
        .map(PublicKey::load)
        .transpose()?;
    if let (Some(start), Some(end)) = (args.start, args.end) {
        if start > end {
            return Err(Failure::Usage(format!(
                "--start {} is after --end {}",
                crate::flags::filters::timestamp(&start),
                crate::flags::filters::timestamp(&end)
            )));
        }
    }
    // The key is needed before anything is read, so a missing one fails fast.
    let client = if args.against_arize {
        let settings = connect::settings(&args.connection)?;
        Some(connect::client_with(&settings, None)?.0)
    } else {
        None
    };
    let range = Range {
        start: args.start,
        end: args.end,
    };
    let name = args.archive.display().to_string();
    let mut report = Report::new(name.clone());
    if client.is_some() {
        report.keep_ids();
    }
    if bucket::is_bucket(&args.archive) {
        bucket::verify(
            &name,
            args.endpoint_url.as_deref(),
            key.as_ref(),
            args.head.as_deref(),
            range,
            &mut report,
        )
        .await?;
    } else {
        verify_file(&args, key.as_ref(), range, &mut report)?;
    }
    if let Some(client) = &client {
        // Part of the result, so on stdout with the rest of the report.
        report.against_arize =
            reconcile::against_arize(client, &mut report, range, args.max_requests, &Flags).await?;
    }
    report.conclude();
    let text = if args.json {
        let mut json =
            serde_json::to_string_pretty(&report).map_err(|e| Failure::Io(e.to_string()))?;
        json.push('\n');
        json
    } else {
        report.text(&Flags)
    };
    stdout::write_all(text.as_bytes())?;
    if report.intact {
        Ok(())
    } else {
        Err(Failure::NotIntact)
    }
}

/// A file archive: its digests file's lines, then the file.
fn verify_file(
    args: &VerifyArgs,
    key: Option<&PublicKey>,
    range: Range,
    report: &mut Report,
) -> Result<(), Failure> {
    let data = &args.archive;
    let digests_path = args
        .digests
        .clone()
        .unwrap_or_else(|| digest::path_for(data));
    let place = digests_path.display().to_string();
    let digests = match std::fs::read(&digests_path) {
        Ok(bytes) => bytes
            .split(|b| *b == b'\n')
            .enumerate()
            .filter(|(_, line)| !line.is_empty())
            .map(|(n, line)| (format!("{place} line {}", n + 1), line.to_vec()))
            .collect(),
        // Nothing to check against: a usage error, not a verdict.
        Err(e) if e.kind() == io::ErrorKind::NotFound && !data.exists() => {
            return Err(Failure::Usage(format!(
                "there is no archive at {} (and no digests at {place})",
                data.display()
            )))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Failure::Usage(format!(
                "no digests found: {place} does not exist, so {} cannot be verified. Export \
                 with --digests to write them, or name them with --digests FILE",
                data.display()
            )))
        }
        Err(e) => return Err(Failure::io(&digests_path, e)),
    };
    let sealed = verify::check_chain(digests, key, args.head.as_deref(), report);
    if !data.exists() {
        let place = data.display().to_string();
        for digest in &sealed {
            report
                .add(
                    Kind::Missing,
                    &place,
                    format!(
                        "the file is gone, and the {} entries of this digest with it",
                        digest.body.content.entries
                    ),
                )
                .unit = Some(digest.body.sequence);
        }
        return Ok(());
    }
    Ok(verify::check_file(data, &sealed, range, report)?)
}

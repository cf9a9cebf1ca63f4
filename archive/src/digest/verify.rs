//! Checking an archive against its digests: the chain, the signatures,
//! every unit's content line by line, and every line as an entry.
//!
//! Lines are matched to the digested ones by their short hashes with a
//! Myers diff, so one removed or added line is named as such instead of
//! shifting every line after it; a unit whose lines all match is then
//! checked against its full SHA-256.

use std::{
    fs::File,
    io::{BufReader, Read, Seek, SeekFrom},
    path::Path,
    time::{Duration, Instant},
};

use sha2::{Digest as _, Sha256};
use similar::{Algorithm, DiffOp};

use super::report::{Head, Kind, Range, Report, Signatures};
use super::{edge_of, hex, keys::PublicKey, parse_time, Lines, Sealed, Unit};
use crate::Error;

/// Checks the chain of `digests` (each with where it is and its bytes, in
/// the order stored) and returns those that parse, in order.
pub fn check_chain(
    digests: Vec<(String, Vec<u8>)>,
    key: Option<&PublicKey>,
    head: Option<&str>,
    report: &mut Report,
) -> Vec<Sealed> {
    let mut sealed: Vec<Sealed> = Vec::new();
    let mut expected: u64 = 0;
    let mut previous: Option<String> = None;
    let mut any_signed: Option<String> = None;
    let mut any_unsigned = false;
    let mut places = Vec::new();
    for (place, bytes) in digests {
        let digest = match Sealed::parse(&bytes) {
            Ok(d) => d,
            Err(why) => {
                report.add(
                    Kind::ChainBroken,
                    &place,
                    format!("not a digest this version reads: {why}"),
                );
                continue;
            }
        };
        let body = &digest.body;
        let sha = digest.sha256();
        let mut broken = Vec::new();
        match &report.archive_id {
            None => report.archive_id = Some(body.archive.clone()),
            Some(id) if *id != body.archive => {
                broken.push(format!("it belongs to archive {}, not {id}", body.archive))
            }
            Some(_) => {}
        }
        if body.sequence != expected {
            broken.push(format!(
                "sequence {} where {expected} comes next: a digest is missing, repeated or \
                 replayed",
                body.sequence
            ));
        }
        if body.previous != previous {
            broken.push(format!(
                "it names {} as the digest before it, which is {}",
                body.previous.as_deref().unwrap_or("none"),
                previous.as_deref().unwrap_or("none")
            ));
        }
        if !broken.is_empty() {
            report
                .add(Kind::ChainBroken, &place, broken.join("; "))
                .unit = Some(body.sequence);
        }
        match (&digest.signature, key) {
            (None, _) => any_unsigned = true,
            (Some(signature), _) => {
                any_signed.get_or_insert_with(|| signature.key_id.clone());
            }
        }
        if let Some(key) = key {
            match &digest.signature {
                None => {
                    report
                        .add(Kind::Unsigned, &place, "the digest is not signed")
                        .unit = Some(body.sequence);
                }
                Some(signature) if !key.verifies(digest.body_text.as_bytes(), signature) => {
                    report
                        .add(
                            Kind::BadSignature,
                            &place,
                            format!(
                                "the signature (key {}) does not verify with key {}",
                                signature.key_id,
                                key.id()
                            ),
                        )
                        .unit = Some(body.sequence);
                }
                Some(_) => {}
            }
        }
        expected = body.sequence + 1;
        previous = Some(sha);
        places.push(place);
        sealed.push(digest);
    }
    if key.is_none() && any_signed.is_some() && any_unsigned {
        // A chain signed in part: the unsigned digests are where someone
        // without the key wrote.
        for (digest, place) in sealed.iter().zip(&places) {
            if digest.signature.is_none() {
                report
                    .add(
                        Kind::Unsigned,
                        place,
                        "the chain is signed but this digest is not",
                    )
                    .unit = Some(digest.body.sequence);
            }
        }
    }
    report.signatures = match (key, any_signed) {
        (Some(key), _) => Signatures::Verified { key_id: key.id() },
        (None, Some(key_id)) => Signatures::NotChecked { key_id },
        (None, None) => Signatures::Unsigned,
    };
    report.digests = sealed.len() as u64;
    report.head = sealed.last().map(|d| Head {
        sequence: d.body.sequence,
        sha256: d.sha256(),
    });
    report.query = sealed.last().map(|d| d.body.query.clone());
    if let Some(head) = head {
        if !sealed.iter().any(|d| d.sha256() == head) {
            let place = places
                .last()
                .cloned()
                .unwrap_or_else(|| report.archive.clone());
            report.add(
                Kind::ChainBroken,
                &place,
                format!(
                    "the head recorded earlier, {head}, is not in the chain: digests were \
                     removed, or the archive was replaced by an older one"
                ),
            );
        }
    }
    sealed
}

/// One line as found: its short hash, where it is, and what it says.
struct Found {
    hash: u64,
    offset: u64,
    len: u64,
}

/// Checks a file archive: `data` against the range units of `digests`.
pub fn check_file(
    data: &Path,
    digests: &[Sealed],
    range: Range,
    report: &mut Report,
) -> Result<(), Error> {
    let place = data.display().to_string();
    let file = File::open(data).map_err(|e| Error::io(data, e))?;
    let mut found = Vec::new();
    let mut offset = 0u64;
    for line in Lines(BufReader::with_capacity(1 << 20, file)) {
        let line = line.map_err(|e| Error::io(data, e))?;
        found.push(Found {
            hash: short_hash(&line),
            offset,
            len: line.len() as u64,
        });
        offset += line.len() as u64;
    }
    // The units must follow one another from the start of the file.
    let mut end = 0u64;
    let mut expected = Vec::new();
    for (index, digest) in digests.iter().enumerate() {
        let Unit::Range { offset, bytes, .. } = &digest.body.unit else {
            report
                .add(
                    Kind::ChainBroken,
                    &place,
                    "a digest of an object in a file's chain",
                )
                .unit = Some(digest.body.sequence);
            continue;
        };
        if *offset != end {
            report
                .add(
                    Kind::ChainBroken,
                    &place,
                    format!(
                        "its unit starts at byte {offset}, the unit before ended at byte {end}"
                    ),
                )
                .unit = Some(digest.body.sequence);
        }
        end = offset + bytes;
        for (line, hash) in digest.body.content.lines.iter().enumerate() {
            expected.push((digested_hash(hash), index, line as u64));
        }
    }
    let actual: Vec<u64> = found.iter().map(|f| f.hash).collect();
    let owners = compare_lines(&expected, &actual, digests, range, &place, true, report);
    // A unit whose lines all match: its bytes against the full SHA-256.
    let mut matched: Vec<Vec<usize>> = vec![Vec::new(); digests.len()];
    for (a, owner) in owners.iter().enumerate() {
        if let Some((unit, true)) = owner {
            matched[*unit].push(a);
        }
    }
    let flawed: std::collections::HashSet<u64> = report
        .findings
        .iter()
        .filter(|f| f.place == place)
        .filter_map(|f| f.unit)
        .collect();
    let mut file = File::open(data).map_err(|e| Error::io(data, e))?;
    for (digest, lines) in digests.iter().zip(&matched) {
        let clean = lines.len() as u64 == digest.body.content.entries
            && lines.windows(2).all(|w| w[1] == w[0] + 1)
            && !flawed.contains(&digest.body.sequence);
        if !clean || !in_range(digest, range) {
            continue;
        }
        let (Some(&first), Some(&last)) = (lines.first(), lines.last()) else {
            continue;
        };
        let from = found[first].offset;
        let to = found[last].offset + found[last].len;
        let sha = sha256_of(&mut file, from, to).map_err(|e| Error::io(data, e))?;
        if sha != digest.body.content.sha256 {
            report
                .add(
                    Kind::Modified,
                    &place,
                    format!("bytes {from}-{to} do not have the SHA-256 digested"),
                )
                .unit = Some(digest.body.sequence);
        }
    }
    // Every line as an entry, read again rather than kept in memory.
    let file = File::open(data).map_err(|e| Error::io(data, e))?;
    let mut entries = Vec::with_capacity(1024);
    let mut first = 0;
    for line in Lines(BufReader::with_capacity(1 << 20, file)) {
        let line = line.map_err(|e| Error::io(data, e))?;
        entries.push(edge_of(&line).ok());
        if entries.len() == entries.capacity() {
            check_entries(&place, first, &entries, &owners, digests, range, report);
            first += entries.len();
            entries.clear();
        }
    }
    check_entries(&place, first, &entries, &owners, digests, range, report);
    Ok(())
}

/// Checks one object's decompressed lines against its digest (`None`: the
/// object is gone).
#[cfg_attr(not(feature = "s3"), allow(dead_code))]
pub fn check_object(
    digest: &Sealed,
    stored: Option<&[u8]>,
    lines: Option<&[u8]>,
    report: &mut Report,
) {
    let Unit::Object {
        key,
        stored_bytes,
        stored_sha256,
    } = &digest.body.unit
    else {
        report
            .add(
                Kind::ChainBroken,
                &report.archive.clone(),
                "a digest of a file range in a bucket's chain",
            )
            .unit = Some(digest.body.sequence);
        return;
    };
    let sequence = digest.body.sequence;
    let Some(stored) = stored else {
        report
            .add(
                Kind::Missing,
                key,
                format!(
                    "the object is gone, and its {} entries with it",
                    digest.body.content.entries
                ),
            )
            .unit = Some(sequence);
        return;
    };
    if hex(&Sha256::digest(stored)) != *stored_sha256 || stored.len() as u64 != *stored_bytes {
        report
            .add(
                Kind::Modified,
                key,
                "the object as stored does not have the size and SHA-256 digested",
            )
            .unit = Some(sequence);
    }
    let Some(lines) = lines else {
        report
            .add(Kind::Modified, key, "the object does not decompress")
            .unit = Some(sequence);
        return;
    };
    let mut actual = Vec::new();
    let mut entries = Vec::new();
    for line in Lines(lines) {
        let line = line.unwrap_or_default();
        actual.push(short_hash(&line));
        entries.push(edge_of(&line).ok());
    }
    let expected: Vec<(u64, usize, u64)> = digest
        .body
        .content
        .lines
        .iter()
        .enumerate()
        .map(|(line, hash)| (digested_hash(hash), 0, line as u64))
        .collect();
    let digests = std::slice::from_ref(digest);
    let before = report.findings.len();
    let owners = compare_lines(
        &expected,
        &actual,
        digests,
        Range::default(),
        key,
        false,
        report,
    );
    // Lines named already say what changed.
    if hex(&Sha256::digest(lines)) != digest.body.content.sha256 && report.findings.len() == before
    {
        report
            .add(
                Kind::Modified,
                key,
                "the lines do not have the SHA-256 digested",
            )
            .unit = Some(sequence);
    }
    check_entries(key, 0, &entries, &owners, digests, Range::default(), report);
}

/// Matches the lines found to those digested, reports the differences, and
/// returns for each line found the unit whose line it is (and whether it is
/// unchanged); `None` for a line no digest covers.
fn compare_lines(
    expected: &[(u64, usize, u64)],
    actual: &[u64],
    digests: &[Sealed],
    range: Range,
    place: &str,
    file_lines: bool,
    report: &mut Report,
) -> Vec<Option<(usize, bool)>> {
    let hashes: Vec<u64> = expected.iter().map(|e| e.0).collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    let ops =
        similar::capture_diff_slices_deadline(Algorithm::Myers, &hashes, actual, Some(deadline));
    let mut owners = vec![None; actual.len()];
    // Where a missing line was when written: its place among all digested.
    let written_line = |e: usize| {
        if file_lines {
            e as u64 + 1
        } else {
            expected[e].2 + 1
        }
    };
    let unit_of = |e: usize| expected.get(e).map(|x| x.1);
    let add = |report: &mut Report, kind: Kind, unit: Option<usize>, line: u64, detail: String| {
        if let Some(u) = unit {
            if !in_range(&digests[u], range) {
                return;
            }
        }
        let finding = report.add(kind, place, detail);
        finding.unit = unit.map(|u| digests[u].body.sequence);
        finding.line = Some(line);
    };
    let missing = |report: &mut Report, lines: std::ops::Range<usize>| {
        for e in lines {
            add(
                report,
                Kind::Missing,
                unit_of(e),
                written_line(e),
                "a digested line is gone".into(),
            );
        }
    };
    for op in ops {
        match op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => {
                for i in 0..len {
                    owners[new_index + i] = Some((expected[old_index + i].1, true));
                }
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => missing(report, old_index..old_index + old_len),
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => {
                let owner = old_index
                    .checked_sub(1)
                    .and_then(unit_of)
                    .or_else(|| unit_of(old_index));
                for a in new_index..new_index + new_len {
                    let detail = if old_index >= expected.len() {
                        "after the last digest: no digest covers it (an export still running \
                         digests it at its next checkpoint)"
                    } else {
                        "no digest covers this line"
                    };
                    add(report, Kind::Unexpected, owner, a as u64 + 1, detail.into());
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let paired = old_len.min(new_len);
                for i in 0..paired {
                    let e = old_index + i;
                    owners[new_index + i] = unit_of(e).map(|u| (u, false));
                    add(
                        report,
                        Kind::Modified,
                        unit_of(e),
                        new_index as u64 + i as u64 + 1,
                        format!(
                            "differs from the line digested (line {} when written)",
                            written_line(e)
                        ),
                    );
                }
                missing(report, old_index + paired..old_index + old_len);
                let owner = unit_of(old_index + old_len - 1);
                for a in new_index + paired..new_index + new_len {
                    add(
                        report,
                        Kind::Unexpected,
                        owner,
                        a as u64 + 1,
                        "no digest covers this line".into(),
                    );
                }
            }
        }
    }
    owners
}

/// Every line as an entry: an id seen once, a `created_at` in its unit's
/// range.
fn check_entries(
    place: &str,
    first: usize,
    entries: &[Option<super::Edge>],
    owners: &[Option<(usize, bool)>],
    digests: &[Sealed],
    range: Range,
    report: &mut Report,
) {
    let place_index = report.place_index(place);
    for (a, entry) in entries.iter().enumerate() {
        let a = first + a;
        let line = a as u64 + 1;
        let owner = owners.get(a).copied().flatten().map(|(u, _)| u);
        let Some(entry) = entry else {
            report
                .add(
                    Kind::NotAnEntry,
                    place,
                    "not an entry with id and created_at",
                )
                .line = Some(line);
            continue;
        };
        let created = parse_time(&entry.created_at);
        let outside = match (owner, created) {
            (Some(u), _) => !in_range(&digests[u], range),
            (None, Some(t)) => !range.contains(t),
            (None, None) => false,
        };
        if outside {
            continue;
        }
        report.entries += 1;
        if let (Some(t), Some(seen)) = (created, &mut report.seen) {
            seen.push((entry.id.clone(), t));
        }
        if let Some((first_place, first_line)) = report.first_seen(&entry.id, place_index, line) {
            let finding = report.add(
                Kind::Duplicate,
                place,
                format!("the same id as {first_place} line {first_line}"),
            );
            finding.line = Some(line);
            finding.id = Some(entry.id.clone());
            finding.unit = owner.map(|u| digests[u].body.sequence);
        }
        if let (Some(u), Some(t)) = (owner, created) {
            if let Some((a, b)) = digests[u].time_range() {
                if t < a || t > b {
                    let finding = report.add(
                        Kind::OutOfRange,
                        place,
                        format!(
                            "created_at {} is outside its unit's range {} to {}",
                            entry.created_at,
                            crate::timestamp(&a),
                            crate::timestamp(&b)
                        ),
                    );
                    finding.line = Some(line);
                    finding.id = Some(entry.id.clone());
                    finding.unit = Some(digests[u].body.sequence);
                }
            }
        }
    }
}

/// A line's short hash as a number (the digest's hex, parsed): 8 bytes a
/// line in memory instead of a string.
fn short_hash(line: &[u8]) -> u64 {
    let sha = Sha256::digest(line);
    u64::from_be_bytes(sha[..8].try_into().unwrap_or_default())
}

/// A digested line's short hash; one that is not 16 hex digits matches no
/// line (the digest was changed: its signature or chain says so).
fn digested_hash(hex: &str) -> u64 {
    match u64::from_str_radix(hex, 16) {
        Ok(n) if hex.len() == 16 => n,
        _ => u64::MAX,
    }
}

fn in_range(digest: &Sealed, range: Range) -> bool {
    digest.time_range().is_none_or(|r| range.overlaps(r))
}

fn sha256_of(file: &mut File, from: u64, to: u64) -> std::io::Result<String> {
    file.seek(SeekFrom::Start(from))?;
    let mut reader = file.take(to - from);
    let mut sha = Sha256::new();
    let mut buf = vec![0; 1 << 20];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            return Ok(hex(&sha.finalize()));
        }
        sha.update(&buf[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lines_short_hash_in_memory_is_the_one_its_digest_records() {
        for line in [&b"{\"id\":\"a\"}\n"[..], b"", b"x"] {
            assert_eq!(
                short_hash(line),
                digested_hash(&super::super::line_hash(line))
            );
        }
        assert_eq!(digested_hash("not hex"), u64::MAX);
        assert_eq!(digested_hash("00ff"), u64::MAX, "16 digits or nothing");
    }
}

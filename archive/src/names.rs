//! How messages name the settings of an archive: the builder's methods by
//! default, a command line's flags when it says so. Every message that tells
//! the caller to change a setting names it through [`Names`], so the engine
//! words its refusals once and each front end keeps its own vocabulary.

/// A setting of [`ArchiveBuilder`](crate::ArchiveBuilder), as messages name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// Where the range starts.
    Start,
    /// Where the range ends.
    End,
    /// A range relative to now.
    Last,
    /// A query filter, by its API name (`operation_name`, `user_id`, …).
    Filter(&'static str),
    /// The output.
    Output,
    /// Where the state is kept.
    State,
    /// Continuing only (nothing to continue is refused).
    Resume,
    /// Replacing an existing output.
    Overwrite,
    /// The format.
    Format,
    /// The order of each page's entries.
    Order,
    /// The cap on the entries written.
    MaxEntries,
    /// Following for newer entries.
    Follow,
    /// Digests of what is written.
    Digests,
    /// The key digests are signed with.
    SigningKey,
    /// How long a followed bucket archive holds entries before storing.
    BatchInterval,
    /// The cursor to start from.
    Cursor,
    /// The public key a verification checks signed digests with.
    PublicKey,
    /// The cap on the pages a check against the API reads.
    MaxRequests,
}

/// Names settings in messages.
pub trait Names: Send + Sync {
    /// How `setting` is named, e.g. `.format(…)` or `--format`.
    fn name(&self, setting: Setting) -> String;
}

/// The builder's own names: `.format(…)`, `.overwrite(true)`, ….
#[derive(Clone, Copy, Debug, Default)]
pub struct BuilderNames;

impl Names for BuilderNames {
    fn name(&self, setting: Setting) -> String {
        match setting {
            Setting::Start => ".start(…)".into(),
            Setting::End => ".end(…)".into(),
            Setting::Last => ".last(…)".into(),
            Setting::Filter(name) => format!("the filter {name}"),
            Setting::Output => ".output(…)".into(),
            Setting::State => ".state(…)".into(),
            Setting::Resume => ".resume_only(true)".into(),
            Setting::Overwrite => ".overwrite(true)".into(),
            Setting::Format => ".format(…)".into(),
            Setting::Order => ".order(…)".into(),
            Setting::MaxEntries => ".max_entries(…)".into(),
            Setting::Follow => ".follow(…)".into(),
            Setting::Digests => ".digests(…)".into(),
            Setting::SigningKey => "the key of .digests(Some(…))".into(),
            Setting::BatchInterval => ".batch_interval(…)".into(),
            Setting::Cursor => ".cursor(…)".into(),
            Setting::PublicKey => "a public key (`digest::keys::PublicKey`)".into(),
            Setting::MaxRequests => "the `max_pages` of `against_arize`".into(),
        }
    }
}

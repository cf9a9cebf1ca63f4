//! The engine's settings as the tool's messages name them: by the flags
//! that set them.

use arize_audit_logs_archive::names::{Names, Setting};

/// The engine's settings by the flags that set them.
pub struct Flags;

impl Names for Flags {
    fn name(&self, setting: Setting) -> String {
        match setting {
            Setting::Start => "--start".into(),
            Setting::End => "--end".into(),
            Setting::Last => "--since".into(),
            Setting::Filter(name) => format!("--{}", name.replace('_', "-")),
            Setting::Output => "--output".into(),
            Setting::State => "--state".into(),
            Setting::Resume => "--resume".into(),
            Setting::Overwrite => "--overwrite".into(),
            Setting::Format => "--format".into(),
            Setting::Order => "--order".into(),
            Setting::MaxEntries => "--max-entries".into(),
            Setting::Follow => "--follow".into(),
            Setting::Digests => "--digests".into(),
            Setting::SigningKey => "--signing-key".into(),
            Setting::BatchInterval => "--batch-interval".into(),
            Setting::Cursor => "--cursor".into(),
            Setting::PublicKey => "--public-key".into(),
            Setting::MaxRequests => "--max-requests".into(),
            _ => format!("{setting:?}"),
        }
    }
}

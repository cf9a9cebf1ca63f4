//! `keygen`: a new Ed25519 key pair for signing digests.

use crate::{digest::keys, failure::Failure, flags::cli::KeygenArgs};

pub fn run(args: &KeygenArgs) -> Result<(), Failure> {
    let (public, id) = keys::generate(&args.path)?;
    println!(
        "Wrote the private key to {} (mode 0600: give it to the export, --signing-key) and the \
         public key to {} (give it to auditors, --public-key). Key id {id}.",
        args.path.display(),
        public.display()
    );
    Ok(())
}

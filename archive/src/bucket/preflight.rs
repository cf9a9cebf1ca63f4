//! What an export learns about a bucket before its first request to Arize:
//! that there are credentials (exit 3 when there are none), that the bucket
//! exists and that it takes writes under the prefix (exit 2 otherwise), all
//! said in one line, without the store's XML or the instance-metadata
//! address.

use std::time::Duration;

use object_store::aws::AmazonS3;

use crate::Error;

/// How long the instance or container role may take to answer.
const ROLE_TIMEOUT: Duration = Duration::from_secs(20);

/// Where the credentials come from, as far as it is known before asking.
pub enum Source {
    /// Keys in the environment or the shared files, a web identity or a
    /// container's role.
    Named,
    /// Nothing named: the instance role, unless `AWS_EC2_METADATA_DISABLED`
    /// rules it out.
    InstanceRole,
}

impl Source {
    /// Reads the environment; `from_files` says whether the shared files
    /// gave keys.
    pub fn find(from_files: bool) -> Self {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        let named = from_files
            || set("AWS_ACCESS_KEY_ID")
            || set("AWS_WEB_IDENTITY_TOKEN_FILE")
            || set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
            || set("AWS_CONTAINER_CREDENTIALS_FULL_URI");
        if named {
            Self::Named
        } else {
            Self::InstanceRole
        }
    }
}

/// Gets the credentials the store signs with, or says there are none.
pub async fn credentials(store: &AmazonS3, source: &Source, url: &str) -> Result<(), Error> {
    let none = |why: &str| {
        Error::credentials(format!(
            "no AWS credentials for {url}: {why}. Set AWS_ACCESS_KEY_ID and \
             AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with the AWS CLI's files, or run with a role"
        ))
    };
    let disabled =
        std::env::var("AWS_EC2_METADATA_DISABLED").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    if matches!(source, Source::InstanceRole) && disabled {
        return Err(none(
            "none in the environment or the shared files, and the instance role is turned off \
             (AWS_EC2_METADATA_DISABLED)",
        ));
    }
    match tokio::time::timeout(ROLE_TIMEOUT, store.credentials().get_credential()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(_)) | Err(_) if matches!(source, Source::InstanceRole) => Err(none(
            "none in the environment or the shared files, and no instance or container role \
             answered",
        )),
        Ok(Err(e)) => Err(none(&one_line(&e.to_string()))),
        Err(_) => Err(none("the credential provider did not answer within 20 s")),
    }
}

/// A store's error on `key` before the export began, in one line: exit 2,
/// or 3 when the store does not accept the credentials.
pub fn failure(bucket: &str, key: &str, e: &object_store::Error) -> Error {
    use object_store::Error as E;
    let at = format!("s3://{bucket}/{key}");
    match e {
        E::NotFound { .. } => Error::refused(format!(
            "s3://{bucket}: no such bucket (or none these credentials can see): create it, or \
             name another bucket"
        )),
        E::Unauthenticated { .. } => Error::credentials(format!(
            "{at}: the store does not accept these AWS credentials: check them"
        )),
        E::PermissionDenied { .. } => Error::refused(format!(
            "{at}: the store refused the write (access denied): these credentials need \
             s3:PutObject, s3:GetObject and s3:ListBucket on the prefix"
        )),
        E::NotImplemented { .. } => Error::refused(format!(
            "{at}: this store does not do conditional writes (If-None-Match, If-Match), which \
             keep one export per prefix"
        )),
        other => Error::refused(format!(
            "{at}: the store could not be used: {}",
            one_line(&other.to_string())
        )),
    }
}

/// The first line of a store's message, without a response body (XML) or
/// an address of the instance metadata service, at most 200 characters.
pub fn one_line(text: &str) -> String {
    let mut line = text.lines().next().unwrap_or_default().to_owned();
    if let Some(at) = line.find('<') {
        line.truncate(at);
    }
    if let Some(at) = line.find("http://169.254.") {
        line.truncate(at);
    }
    let line = line.trim_end_matches([' ', ':', ',', '(']).to_owned();
    if line.chars().count() > 200 {
        let cut: String = line.chars().take(200).collect();
        format!("{cut}…")
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stores_message_keeps_its_first_line_without_xml_or_the_metadata_address() {
        assert_eq!(
            one_line(
                "Client error with status 404 Not Found: <?xml version=\"1.0\"?><Error>\n<Code>"
            ),
            "Client error with status 404 Not Found"
        );
        assert_eq!(
            one_line("error sending request for url (http://169.254.169.254/latest/api/token)"),
            "error sending request for url"
        );
        assert_eq!(one_line(&"x".repeat(500)).chars().count(), 201);
    }
}

//! The environment variables the official SDKs read. One test in its own
//! binary, because the environment is shared by every thread of a process.

use arize_audit_logs::{Client, ConfigError, Error, Region};

#[test]
fn environment_supplies_key_and_base_url_and_explicit_settings_win() {
    std::env::remove_var("ARIZE_API_KEY");
    std::env::remove_var("ARIZE_BASE_URL");
    assert!(matches!(
        Client::from_env(),
        Err(Error::Config(ConfigError::MissingApiKey))
    ));

    std::env::set_var("ARIZE_API_KEY", "from-env");
    let client = Client::from_env().expect("key from the environment");
    assert_eq!(client.base_url(), "https://api.arize.com");

    std::env::set_var("ARIZE_BASE_URL", "https://api.ca-central-1a.arize.com/");
    assert_eq!(
        Client::from_env().expect("client").base_url(),
        "https://api.ca-central-1a.arize.com"
    );
    assert_eq!(
        Client::builder()
            .region(Region::EuWest1a)
            .build()
            .expect("client")
            .base_url(),
        "https://api.eu-west-1a.arize.com",
        "an explicit region beats ARIZE_BASE_URL"
    );

    std::env::set_var("ARIZE_BASE_URL", "http://arize.example");
    assert!(matches!(
        Client::from_env(),
        Err(Error::Config(ConfigError::InsecureBaseUrl { .. }))
    ));

    std::env::set_var("ARIZE_BASE_URL", "nonsense");
    assert!(matches!(
        Client::from_env(),
        Err(Error::Config(ConfigError::InvalidBaseUrl {
            setting: "ARIZE_BASE_URL",
            ..
        }))
    ));

    assert!(
        Client::builder().ignore_environment().build().is_err(),
        "ignore_environment does not read ARIZE_API_KEY"
    );
    std::env::remove_var("ARIZE_API_KEY");
    std::env::remove_var("ARIZE_BASE_URL");
}

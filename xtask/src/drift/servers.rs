//! Servers, keyed by URL: one added is additive, one removed breaking.

use std::collections::BTreeMap;

use openapiv3::OpenAPI;

use super::{json, keyed, Class, Keyed, Out};
use crate::document::escape;

pub(super) fn compare(old: &OpenAPI, new: &OpenAPI, out: &mut Out) {
    let index = |doc: &OpenAPI| -> BTreeMap<String, openapiv3::Server> {
        doc.servers
            .iter()
            .map(|s| (s.url.clone(), s.clone()))
            .collect()
    };
    let (old_servers, new_servers) = (index(old), index(new));
    for (url, change) in keyed(&old_servers, &new_servers) {
        let location = format!("/servers/{}", escape(url));
        match change {
            Keyed::Added(_) => out.push(Class::Additive, &location, format!("server {url} added")),
            Keyed::Removed => out.push(Class::Breaking, &location, format!("server {url} removed")),
            Keyed::Both(before, server) => {
                out.docs(
                    &location,
                    "the server description",
                    &before.description,
                    &server.description,
                );
                if json(&before.variables) != json(&server.variables) {
                    out.push(
                        Class::Additive,
                        &format!("{location}/variables"),
                        "server variables changed",
                    );
                }
            }
        }
    }
}

//! `HOST:PORT` for the flags that listen (`export --metrics-listen`,
//! `serve-mock --listen`): an IP address (`127.0.0.1:9464`, `[::1]:9464`)
//! or a host name (`localhost:9464`), resolved once, when the flag is read,
//! so a name that does not resolve is a usage error naming the flag before
//! anything else happens.

use std::{
    fmt,
    net::{SocketAddr, ToSocketAddrs},
};

/// An address to listen on, as given and as resolved (made by [`parse`]
/// alone, so it always holds at least one address). Boxed: it sits in the
/// arguments of every command run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListenAddr(Box<Resolved>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Resolved {
    /// What was given, for messages.
    text: String,
    /// The first address it resolves to.
    first: SocketAddr,
    /// Every address it resolves to, without repeats, in the resolver's
    /// order (one for an IP address), the first first.
    addrs: Vec<SocketAddr>,
}

impl ListenAddr {
    fn new(text: &str, first: SocketAddr, addrs: Vec<SocketAddr>) -> Self {
        Self(Box::new(Resolved {
            text: text.to_owned(),
            first,
            addrs,
        }))
    }

    /// The first address the name resolves to.
    pub fn first(&self) -> SocketAddr {
        self.0.first
    }

    /// Every address the name resolves to, the first first.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.0.addrs
    }
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.text)
    }
}

/// Parses `HOST:PORT`: an IP address and port as they are, or a host name
/// resolved to its addresses. clap names the flag in front of the error.
pub fn parse(text: &str) -> Result<ListenAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(ListenAddr::new(text, addr, vec![addr]));
    }
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err(format!(
            "{text:?} has no port: give HOST:PORT, such as localhost:9464 or 127.0.0.1:9464"
        ));
    };
    if host.is_empty() {
        return Err(format!(
            "{text:?} has no host: give HOST:PORT, such as localhost:9464 or 0.0.0.0:9464 \
             for every interface"
        ));
    }
    let port: u16 = port
        .parse()
        .map_err(|_| format!("{port:?} is not a port: give a number from 0 to 65535"))?;
    let resolved = (host, 0)
        .to_socket_addrs()
        .map_err(|e| format!("the host name {host:?} does not resolve: {e}"))?;
    let mut addrs: Vec<SocketAddr> = Vec::new();
    for mut addr in resolved {
        addr.set_port(port);
        if !addrs.contains(&addr) {
            addrs.push(addr);
        }
    }
    let Some(&first) = addrs.first() else {
        return Err(format!("the host name {host:?} resolves to no address"));
    };
    Ok(ListenAddr::new(text, first, addrs))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name no resolver answers, without asking a server: its first
    /// label is longer than DNS allows (63), and `.invalid` is reserved
    /// (RFC 6761).
    const UNRESOLVABLE: &str =
        "a-label-longer-than-sixty-three-characters-is-refused-before-any-query.invalid";

    #[test]
    fn an_ip_address_and_port_is_taken_as_it_is() {
        let addr = parse("127.0.0.1:9464").expect("parses");
        assert_eq!(addr.addrs(), ["127.0.0.1:9464".parse().expect("addr")]);
        let v6 = parse("[::1]:0").expect("parses");
        assert_eq!(v6.addrs(), ["[::1]:0".parse().expect("addr")]);
    }

    #[test]
    fn localhost_resolves_to_loopback_addresses_with_the_port() {
        let addr = parse("localhost:9466").expect("resolves");
        assert!(!addr.addrs().is_empty());
        for a in addr.addrs() {
            assert!(a.ip().is_loopback(), "{a}");
            assert_eq!(a.port(), 9466);
        }
        assert_eq!(addr.to_string(), "localhost:9466");
    }

    #[test]
    fn a_missing_or_bad_port_or_host_is_refused_saying_what_to_give() {
        let error = parse("localhost").expect_err("no port");
        assert!(error.contains("HOST:PORT"), "{error}");
        let error = parse(":9464").expect_err("no host");
        assert!(error.contains("no host"), "{error}");
        let error = parse("localhost:http").expect_err("bad port");
        assert!(error.contains("not a port"), "{error}");
        let error = parse(&format!("{UNRESOLVABLE}:9464")).expect_err("does not resolve");
        assert!(error.contains("does not resolve"), "{error}");
        assert!(error.contains(UNRESOLVABLE), "{error}");
    }
}

//! A local server that serves prepared pages with no artificial delay: the
//! bodies are built before timing starts, so the server costs the clients as
//! little as possible.

use std::{net::SocketAddr, sync::Arc};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{service::service_fn, Request, Response};
use hyper_util::rt::TokioIo;

/// The `logs` arrays of the prepared pages, served with cursors `p1`, `p2`, …
/// until `pages` pages have been served (given fewer entries than that, they
/// come round again, which an export rightly refuses as out of order).
pub struct Prepared {
    bodies: Vec<Bytes>,
    pages: usize,
}

impl Prepared {
    /// `entries` (newest first) cut into pages of 100, for an export of `pages` pages.
    pub fn new(entries: &[arize_audit_logs::AuditLog], pages: usize) -> Self {
        let bodies = entries
            .chunks(100)
            .map(|chunk| Bytes::from(serde_json::to_vec(chunk).unwrap_or_default()))
            .collect();
        Self { bodies, pages }
    }

    fn page(&self, index: usize) -> Bytes {
        let logs = &self.bodies[index % self.bodies.len()];
        let pagination = if index + 1 < self.pages {
            format!(r#"{{"next_cursor":"p{}","has_more":true}}"#, index + 1)
        } else {
            r#"{"has_more":false}"#.to_owned()
        };
        let mut body = Vec::with_capacity(logs.len() + pagination.len() + 32);
        body.extend_from_slice(br#"{"logs":"#);
        body.extend_from_slice(logs);
        body.extend_from_slice(br#","pagination":"#);
        body.extend_from_slice(pagination.as_bytes());
        body.push(b'}');
        Bytes::from(body)
    }
}

/// Serves `prepared` on a loopback port from a one-thread runtime of its own;
/// stops when the returned guard is dropped.
pub fn start(prepared: Prepared) -> Result<(SocketAddr, tokio::sync::oneshot::Sender<()>), String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let prepared = Arc::new(prepared);
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            loop {
                let accepted = tokio::select! {
                    accepted = listener.accept() => accepted,
                    _ = &mut stopped => return,
                };
                let Ok((stream, _)) = accepted else { continue };
                let prepared = prepared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                        let prepared = prepared.clone();
                        async move {
                            let index = request
                                .uri()
                                .query()
                                .and_then(|q| {
                                    q.split('&').find_map(|kv| kv.strip_prefix("cursor=p"))
                                })
                                .and_then(|n| n.parse::<usize>().ok())
                                .unwrap_or(0);
                            let mut response = Response::new(Full::new(prepared.page(index)));
                            response.headers_mut().insert(
                                "content-type",
                                hyper::header::HeaderValue::from_static("application/json"),
                            );
                            Ok::<_, std::convert::Infallible>(response)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    Ok((addr, stop))
}

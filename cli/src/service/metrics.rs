//! `export --metrics-listen ADDR`: `/metrics` in the Prometheus text format
//! (through the `prometheus` crate) and `/healthz`, for alerting on a
//! stalled exporter. Built with the feature `metrics` (on by default); a
//! build without it refuses the flag.
//!
//! Requests, retries and rate-limit waits are counted from the library's
//! per-attempt events (target `arize_audit_logs::request`); entries, pages,
//! the last successful poll and the newest entry written are reported by the
//! export itself (see [`Observer`]).

#[cfg(feature = "metrics")]
pub use enabled::Metrics;

#[cfg(not(feature = "metrics"))]
pub use disabled::Metrics;

use std::sync::Arc;

use crate::{failure::Failure, flags::cli::Command};

/// The metrics a command asks for: `Some` with `--metrics-listen`.
pub fn for_command(command: &Command) -> Result<Option<Arc<Metrics>>, Failure> {
    match command {
        Command::Export(args) if args.metrics_listen.is_some() => {
            Metrics::new(args.health_intervals).map(|m| Some(Arc::new(m)))
        }
        _ => Ok(None),
    }
}

#[cfg(feature = "metrics")]
mod enabled {
    use std::{
        convert::Infallible,
        net::SocketAddr,
        sync::{
            atomic::{AtomicU64, Ordering},
            Arc,
        },
        time::{Duration, Instant},
    };

    use bytes::Bytes;
    use chrono::{DateTime, Utc};
    use http_body_util::Full;
    use hyper::{service::service_fn, Request, Response, StatusCode};
    use hyper_util::rt::TokioIo;
    use prometheus::{
        Counter, Encoder, Gauge, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
    };
    use tokio::net::TcpListener;
    use tracing::{field::Field, Event, Subscriber};
    use tracing_subscriber::{filter::Targets, layer::Context, registry, Layer};

    use crate::{failure::Failure, flags::listen_addr::ListenAddr};
    use arize_audit_logs_archive::Observer;
    use arize_audit_logs_archive::DEFAULT_INTERVAL;

    use arize_audit_logs::REQUEST_LOG_TARGET as REQUEST_TARGET;
    const PREFIX: &str = "arize_audit_logs";

    /// The exporter's metrics and its health.
    pub struct Metrics {
        registry: Registry,
        entries: IntCounter,
        pages: IntCounter,
        breaks: IntCounter,
        late: IntCounter,
        requests: IntCounterVec,
        retries: IntCounter,
        rate_limit_wait: Counter,
        last_success: Gauge,
        newest_entry: Gauge,
        lag: Gauge,
        held: IntGauge,
        /// Unhealthy once the last successful poll is older than this many
        /// poll intervals.
        health_intervals: u32,
        /// The poll interval, in milliseconds.
        interval_ms: AtomicU64,
        started: Instant,
        /// Milliseconds after `started` of the last successful poll (0: none).
        last_success_at: AtomicU64,
    }

    impl Metrics {
        pub fn new(health_intervals: u32) -> Result<Self, Failure> {
            let registry = Registry::new_custom(Some(PREFIX.into()), None).map_err(internal)?;
            Ok(Self {
                entries: registered(
                    &registry,
                    IntCounter::new(
                        "entries_exported_total",
                        "Entries written to the output by this process.",
                    ),
                )?,
                pages: registered(
                    &registry,
                    IntCounter::new(
                        "pages_exported_total",
                        "Pages fetched and written by this process.",
                    ),
                )?,
                breaks: registered(
                    &registry,
                    IntCounter::new(
                        "entries_breaking_document_total",
                        "Entries written as sent that break the API's document (a member \
                         missing or of the wrong type).",
                    ),
                )?,
                late: registered(
                    &registry,
                    IntCounter::new(
                        "entries_found_by_lookback_total",
                        "Entries a --follow poll's look-back found: visible only after an \
                         earlier poll had covered their created_at (counted in \
                         entries_exported_total too).",
                    ),
                )?,
                requests: registered(
                    &registry,
                    IntCounterVec::new(
                        Opts::new(
                            "requests_total",
                            "Request attempts by HTTP status (\"none\": no answer came).",
                        ),
                        &["status"],
                    ),
                )?,
                retries: registered(
                    &registry,
                    IntCounter::new(
                        "retries_total",
                        "Request attempts that repeated a failed one.",
                    ),
                )?,
                rate_limit_wait: registered(
                    &registry,
                    Counter::new(
                        "rate_limit_wait_seconds_total",
                        "Time requests waited on a rate limit or a Retry-After before going out.",
                    ),
                )?,
                last_success: registered(
                    &registry,
                    Gauge::new(
                        "last_success_timestamp_seconds",
                        "Unix time of the last successful poll (0: none yet).",
                    ),
                )?,
                newest_entry: registered(
                    &registry,
                    Gauge::new(
                        "newest_entry_timestamp_seconds",
                        "Unix time of the newest created_at written (0: none yet).",
                    ),
                )?,
                lag: registered(
                    &registry,
                    Gauge::new(
                        "lag_seconds",
                        "Now minus the newest created_at written (0 until one is written).",
                    ),
                )?,
                held: registered(
                    &registry,
                    IntGauge::new(
                        "entries_held",
                        "Entries fetched and held in the export's state until the next store \
                         into the bucket (--batch-interval); counted in entries_exported_total \
                         already.",
                    ),
                )?,
                registry,
                health_intervals,
                interval_ms: AtomicU64::new(millis(DEFAULT_INTERVAL)),
                started: Instant::now(),
                last_success_at: AtomicU64::new(0),
            })
        }

        /// The layer that counts the library's request events.
        pub fn request_layer(self: &Arc<Self>) -> Box<dyn Layer<registry::Registry> + Send + Sync> {
            RequestCounter(self.clone())
                .with_filter(Targets::new().with_target(REQUEST_TARGET, tracing::Level::DEBUG))
                .boxed()
        }

        /// Starts serving `/metrics` and `/healthz` on every address `addr`
        /// resolves to; the addresses it listens on. An address of a family
        /// the machine lacks (`localhost`'s ::1 without IPv6) is skipped
        /// while another one is listened on; any other failure to listen is
        /// an error naming the flag.
        pub async fn serve(
            self: &Arc<Self>,
            addr: &ListenAddr,
        ) -> Result<Vec<SocketAddr>, Failure> {
            let mut bound = Vec::new();
            let mut unavailable = Vec::new();
            for &one in addr.addrs() {
                match TcpListener::bind(one).await {
                    Ok(listener) => {
                        bound.push(
                            listener
                                .local_addr()
                                .map_err(|e| Failure::Io(e.to_string()))?,
                        );
                        self.accept(listener);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::AddrNotAvailable => {
                        unavailable.push(format!("{one}: {e}"));
                    }
                    Err(e) => {
                        return Err(Failure::Usage(format!(
                            "--metrics-listen {addr}: cannot listen on {one}: {e}"
                        )))
                    }
                }
            }
            if bound.is_empty() {
                return Err(Failure::Usage(format!(
                    "--metrics-listen {addr}: cannot listen there: {}",
                    unavailable.join("; ")
                )));
            }
            Ok(bound)
        }

        /// Answers the connections `listener` accepts, in the background.
        fn accept(self: &Arc<Self>, listener: TcpListener) {
            let metrics = self.clone();
            tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let metrics = metrics.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |request| {
                            let answer = metrics.answer(&request);
                            async move { Ok::<_, Infallible>(answer) }
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
        }

        fn answer<B>(&self, request: &Request<B>) -> Response<Full<Bytes>> {
            let (status, content_type, body) = match request.uri().path() {
                "/metrics" => match self.exposition() {
                    Ok(text) => (StatusCode::OK, TEXT_FORMAT, text),
                    Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, PLAIN, e),
                },
                "/healthz" => {
                    let (healthy, why) = self.health();
                    let status = if healthy {
                        StatusCode::OK
                    } else {
                        StatusCode::SERVICE_UNAVAILABLE
                    };
                    (status, PLAIN, why + "\n")
                }
                _ => (
                    StatusCode::NOT_FOUND,
                    PLAIN,
                    "not found: /metrics and /healthz are served\n".into(),
                ),
            };
            let mut response = Response::new(Full::new(Bytes::from(body)));
            *response.status_mut() = status;
            if let Ok(value) = content_type.parse() {
                response
                    .headers_mut()
                    .insert(hyper::header::CONTENT_TYPE, value);
            }
            response
        }

        /// The metrics in the Prometheus text format, the lag as of now.
        fn exposition(&self) -> Result<String, String> {
            let newest = self.newest_entry.get();
            if newest > 0.0 {
                let now = Utc::now().timestamp_millis() as f64 / 1000.0;
                self.lag.set((now - newest).max(0.0));
            }
            let mut text = Vec::new();
            TextEncoder::new()
                .encode(&self.registry.gather(), &mut text)
                .map_err(|e| e.to_string())?;
            String::from_utf8(text).map_err(|e| e.to_string())
        }

        /// Healthy until the last successful poll (or the start, before the
        /// first) is older than `health_intervals` poll intervals.
        fn health(&self) -> (bool, String) {
            let interval = Duration::from_millis(self.interval_ms.load(Ordering::Relaxed));
            let limit = interval * self.health_intervals;
            let last = self.last_success_at.load(Ordering::Relaxed);
            let since = self
                .started
                .elapsed()
                .saturating_sub(Duration::from_millis(last));
            let what = if last == 0 {
                "no successful poll since the start"
            } else {
                "the last successful poll"
            };
            let secs = |d: Duration| format!("{:.1}s", d.as_secs_f64());
            if since <= limit {
                (true, format!("ok: {what} {} ago", secs(since)))
            } else {
                (
                    false,
                    format!(
                        "stalled: {what} {} ago, more than {} intervals of {}",
                        secs(since),
                        self.health_intervals,
                        secs(interval)
                    ),
                )
            }
        }
    }

    impl Observer for Metrics {
        fn following(&self, interval: Duration) {
            self.interval_ms.store(millis(interval), Ordering::Relaxed);
        }

        fn page(&self, written: u64, newest: Option<DateTime<Utc>>) {
            self.pages.inc();
            self.entries.inc_by(written);
            let since_start = millis(self.started.elapsed()).max(1);
            self.last_success_at.store(since_start, Ordering::Relaxed);
            self.last_success
                .set(Utc::now().timestamp_millis() as f64 / 1000.0);
            if let Some(newest) = newest {
                let at = newest.timestamp_millis() as f64 / 1000.0;
                if written > 0 && at > self.newest_entry.get() {
                    self.newest_entry.set(at);
                }
            }
        }

        fn breaks(&self, entries: u64, _: &str) {
            self.breaks.inc_by(entries);
        }

        fn late(&self, found: u64) {
            self.late.inc_by(found);
        }

        fn held(&self, entries: u64) {
            self.held.set(i64::try_from(entries).unwrap_or(i64::MAX));
        }
    }

    /// Counts each request event by status, retries and rate-limit waits.
    struct RequestCounter(Arc<Metrics>);

    impl<S: Subscriber> Layer<S> for RequestCounter {
        fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
            let mut fields = RequestFields::default();
            event.record(&mut fields);
            let metrics = &self.0;
            let status = fields.status.map_or("none".into(), |s| s.to_string());
            metrics.requests.with_label_values(&[status.as_str()]).inc();
            if fields.attempt > 1 {
                metrics.retries.inc();
            }
            metrics
                .rate_limit_wait
                .inc_by(fields.rate_limit_wait_ms as f64 / 1000.0);
        }
    }

    #[derive(Default)]
    struct RequestFields {
        status: Option<u64>,
        attempt: u64,
        rate_limit_wait_ms: u64,
    }

    impl tracing::field::Visit for RequestFields {
        fn record_u64(&mut self, field: &Field, value: u64) {
            match field.name() {
                "status" => self.status = Some(value),
                "attempt" => self.attempt = value,
                "rate_limit_wait_ms" => self.rate_limit_wait_ms = value,
                _ => {}
            }
        }

        fn record_i64(&mut self, field: &Field, value: i64) {
            if let Ok(value) = u64::try_from(value) {
                self.record_u64(field, value);
            }
        }

        fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
    }

    const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";
    const PLAIN: &str = "text/plain; charset=utf-8";

    fn millis(d: Duration) -> u64 {
        u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
    }

    fn internal(e: prometheus::Error) -> Failure {
        Failure::Io(format!("metrics: {e}"))
    }

    /// `metric`, registered with `registry`.
    fn registered<M>(registry: &Registry, metric: prometheus::Result<M>) -> Result<M, Failure>
    where
        M: prometheus::core::Collector + Clone + 'static,
    {
        let metric = metric.map_err(internal)?;
        registry
            .register(Box::new(metric.clone()))
            .map_err(internal)?;
        Ok(metric)
    }
}

#[cfg(not(feature = "metrics"))]
mod disabled {
    use std::{net::SocketAddr, sync::Arc, time::Duration};

    use chrono::{DateTime, Utc};
    use tracing_subscriber::{registry, Layer};

    use crate::{failure::Failure, flags::listen_addr::ListenAddr};
    use arize_audit_logs_archive::Observer;

    /// Never made: this build has no metrics endpoint.
    pub enum Metrics {}

    impl Metrics {
        pub fn new(_: u32) -> Result<Self, Failure> {
            Err(Failure::Usage(
                "--metrics-listen needs a build with the feature `metrics` (on by default); this \
                 one was built without it"
                    .into(),
            ))
        }

        pub fn request_layer(self: &Arc<Self>) -> Box<dyn Layer<registry::Registry> + Send + Sync> {
            match **self {}
        }

        pub async fn serve(self: &Arc<Self>, _: &ListenAddr) -> Result<Vec<SocketAddr>, Failure> {
            match **self {}
        }
    }

    impl Observer for Metrics {
        fn following(&self, _: Duration) {
            match *self {}
        }

        fn page(&self, _: u64, _: Option<DateTime<Utc>>) {
            match *self {}
        }
    }
}

//! JSON logs to stdout, one object per line.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. `level` is `LOG_LEVEL` (`info`, `debug`, or a filter such as
/// `info,service=debug`); an invalid value falls back to `info`.
pub fn init(level: &str) {
    let filter =
        EnvFilter::try_new(level.to_ascii_lowercase()).unwrap_or_else(|_| EnvFilter::new("info"));
    let result = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(true)
        .with_env_filter(filter)
        .with_writer(std::io::stdout)
        .try_init();
    if result.is_err() {
        tracing::debug!("a tracing subscriber was already installed");
    }
}

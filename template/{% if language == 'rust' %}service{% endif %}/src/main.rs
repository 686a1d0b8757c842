//! Entry point: `service` serves HTTP; `service healthcheck` probes a running instance.

use std::process::ExitCode;
use std::time::Duration;

use service::{app, config::Config, healthcheck, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("healthcheck") {
        return healthcheck_command().await;
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            telemetry::init("info");
            tracing::error!(error = %err, "invalid configuration");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log_level);
    match serve(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "service stopped with an error");
            ExitCode::FAILURE
        }
    }
}

async fn healthcheck_command() -> ExitCode {
    let port = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(service::defaults::PORT);
    if healthcheck::probe(port, Duration::from_secs(3)).await {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[derive(Debug, thiserror::Error)]
enum ServeError {
    #[error(transparent)]
    Startup(#[from] app::StartupError),
    #[error("could not listen on port {port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("server error: {0}")]
    Server(std::io::Error),
}

async fn serve(config: Config) -> Result<(), ServeError> {
    let (state, resources) = app::build(&config).await?;
    let listener = tokio::net::TcpListener::bind((config.host, config.port))
        .await
        .map_err(|source| ServeError::Bind {
            port: config.port,
            source,
        })?;
    tracing::info!(
        host = %config.host,
        port = config.port,
        service = config.service_name.as_str(),
        environment = config.environment.as_str(),
        "listening"
    );
    let result = axum::serve(listener, app::router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await;
    tracing::info!("draining finished; closing connections");
    resources.close().await;
    tracing::info!("stopped");
    result.map_err(ServeError::Server)
}

/// Resolves on SIGTERM (the platform stopping the container) or Ctrl-C; axum then stops
/// accepting and drains.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received");
}

//! HTTP service: health endpoints, configuration, secrets and dependency clients.

pub mod app;
#[cfg(feature = "redis")]
pub mod cache;
pub mod config;
#[cfg(feature = "postgres")]
pub mod db;
pub mod defaults;
pub mod health;
pub mod healthcheck;
pub mod secrets;
pub mod telemetry;

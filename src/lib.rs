//! The Yangguang server and CLI: event stores, the command engine, the HTTP API.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod alerting;
pub mod api;
pub mod auth;
mod cache;
pub mod catalogue_file;
pub mod charts;
pub mod config;
pub mod engine;
pub mod error;
pub mod log_verify;
pub mod pages;
pub mod projection;
pub mod queries;
pub mod query_code;
pub mod rate_limit;
pub mod render;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod translog;

//! The Yangguang server and CLI. The folders are the layers, and dependencies point one way
//! (checked by `tests/architecture.rs`):
//!
//! - `cli`, `startup`, `config`, `telemetry`: the wiring (commands, building the server).
//! - `web`: HTTP — the API, the pages, SVG rendering, the HTTP error mapping, rate limits.
//! - `engine` (commands), `queries` (reads), `follow` (the projection runner, the alert
//!   raiser, the transparency log and its follower), `identity` (tokens, accounts).
//! - `store`: every line of SQL, both stores.
//! - below them the domain crates `aggregates`, `projections`, `tlog` (no I/O, no clock).
#![forbid(unsafe_code)]

pub mod cli;
pub mod config;
pub mod engine;
pub mod follow;
pub mod identity;
pub mod queries;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;

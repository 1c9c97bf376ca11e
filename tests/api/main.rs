//! API tests: the real server over HTTP, on SQLite and PostgreSQL. One binary, modules per
//! area (zero2prod's layout); every test uses fresh ids so tests can share one database.
mod access;
mod alerts;
mod applications;
mod calendar;
mod cases;
mod catalogue;
mod clocks;
mod console;
mod disclosure;
mod documents;
mod extensions;
mod headers;
mod helpers;
mod idempotency;
mod inputs;
mod logs;
mod notifications;
mod penalty;
mod personal_data;
mod projections;
mod questions;
mod smtp;
mod store_conformance;
mod supervision;
mod translog;
mod translog_tamper;

//! The Yangguang server and CLI: event stores, the command engine, the HTTP API.
#![forbid(unsafe_code)]

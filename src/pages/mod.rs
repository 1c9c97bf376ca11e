//! Server-rendered public pages (Chinese first, English with `?lang=en`).
use actix_web::web;

/// Registers the page routes.
pub fn configure(_cfg: &mut web::ServiceConfig) {}

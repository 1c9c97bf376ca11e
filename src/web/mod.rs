//! The HTTP layer: the JSON API (`api`), the server-rendered pages (`pages`), the flowchart
//! SVG (`render`) and charts (`charts`), the mapping of errors to problem+json (`error`) and the
//! rate limits (`rate_limit`).
pub mod api;
pub mod charts;
pub mod error;
pub mod extract;
pub mod headers;
pub mod pages;
pub mod rate_limit;
pub mod render;

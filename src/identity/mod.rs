//! Who is calling: bearer tokens (`tokens`) and people's accounts and sessions (`accounts`).
pub mod accounts;
pub mod tokens;

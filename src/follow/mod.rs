//! The work that follows the event log in the background: the view runner (`projection`), the
//! alert raiser (`alerts`, 电子监察) and the transparency log with its follower (`translog`).
pub mod alerts;
pub mod projection;
pub mod translog;

//! The work that follows the event log in the background: the view runner (`projection`), the
//! alert raiser (`alerts`, 电子监察), the notifier (`notifier`, 办理通知) and the transparency log
//! with its follower (`translog`).
pub mod alerts;
pub mod notifier;
pub mod projection;
pub mod translog;

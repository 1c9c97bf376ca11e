//! Feedback from the public on one case (公众评价与投诉): complaints (投诉) and the service
//! rating (好差评). The stream's id is the case's tracking number; it is kept apart from the
//! case's own stream so that what the public sends never changes the version officers act on
//! (no 409 for an officer because someone complained) and so that the public can never append
//! to the case itself.
//!
//! The server fills [`CaseFacts`] from the case aggregate it loaded and `at` from its clock:
//! this aggregate, like the others, reads neither.
mod aggregate;
mod commands;
mod error;
mod events;

pub use aggregate::{Feedback, MAX_COMPLAINTS, Rating, is_bad_rating};
pub use commands::{CaseFacts, FeedbackCommand};
pub use error::FeedbackError;
pub use events::FeedbackEvent;

#[cfg(test)]
mod tests;

//! The case aggregate (办件): one exercise of a power, moving only along its flowchart.
mod aggregate;
mod application;
mod commands;
mod error;
mod events;
mod id;
mod services;
mod time;

pub use aggregate::{
    APPLICANT, Case, CaseStatus, FeeRecord, Pause, PenaltyDecision, Publication, Revocation,
    StepRecord,
};
pub use application::{
    Contact, MAX_MATERIAL_FILES, MAX_SUPPLEMENT_ITEMS, MediaType, OpenSupplement, ResultDocument,
    SubmittedMaterial, SupplementItem, is_email, is_sha256_hex,
};
pub use commands::{CaseCommand, Channel, MitigationApproval};
pub use error::{AllowedOutcome, CaseError};
pub use events::CaseEvent;
pub use id::{CaseId, MAX_CASE_ID_LEN};
pub use services::{CalendarSource, CaseServices, Clock, FixedCalendar, LookupError, PowerLookup};
pub use time::{CaseTimes, LimitStatus, PausedSpan, china_date, china_offset};

#[cfg(test)]
mod penalty_tests;
#[cfg(test)]
mod tests;

//! The power aggregate (行政职权): registration, immutable published versions, suspension and
//! revocation.
mod aggregate;
mod commands;
mod error;
mod events;
mod version;

pub use aggregate::{Power, PowerStatus, PublishedVersionRef};
pub use commands::PowerCommand;
pub use error::PowerError;
pub use events::PowerEvent;
pub use version::{
    Category, Disclosure, Extension, FeeItem, FormFile, LegalBasis, MAX_FORMS, Material,
    PowerVersionContent, PublishedPower, VersionProblem, is_valid_department_id,
    is_valid_power_code,
};

#[cfg(test)]
mod tests;

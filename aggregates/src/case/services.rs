use std::sync::Arc;

use chrono::{DateTime, FixedOffset};

use crate::calendar::WorkingCalendar;
use crate::power::PublishedPower;

/// The store could not answer a lookup; the command is refused as temporarily unavailable.
#[derive(Debug, thiserror::Error)]
#[error("power lookup failed: {0}")]
pub struct LookupError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Reads published powers for the case aggregate. Versions are immutable, so implementations
/// may cache them forever.
#[async_trait::async_trait]
pub trait PowerLookup: Send + Sync {
    /// The current version of a power and its status, if the power exists and has a version.
    async fn current(&self, code: &str) -> Result<Option<Arc<PublishedPower>>, LookupError>;
    /// A given version of a power.
    async fn version(
        &self,
        code: &str,
        version: u32,
    ) -> Result<Option<Arc<PublishedPower>>, LookupError>;
}

/// The time source, injectable so tests control it.
pub trait Clock: Send + Sync {
    /// Now, in China Standard Time.
    fn now(&self) -> DateTime<FixedOffset>;
}

/// The working-day calendar in force (工作日历), for commands that judge a time limit (an
/// extension must come before the limit has passed). A deployment may load a year while it
/// runs, so it is asked for each time.
pub trait CalendarSource: Send + Sync {
    /// The calendar now.
    fn calendar(&self) -> Arc<WorkingCalendar>;
}

/// A calendar that never changes (tests, tools).
pub struct FixedCalendar(pub Arc<WorkingCalendar>);

impl CalendarSource for FixedCalendar {
    fn calendar(&self) -> Arc<WorkingCalendar> {
        self.0.clone()
    }
}

/// What the case aggregate consults while handling a command.
#[derive(Clone)]
pub struct CaseServices {
    /// Published powers.
    pub powers: Arc<dyn PowerLookup>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// The working-day calendar.
    pub calendar: Arc<dyn CalendarSource>,
}

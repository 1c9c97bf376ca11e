//! The record of who read personal data (个人信息查阅记录): every time an inspector opens a
//! case's file with the party's data, one event is appended, so reading is as accountable as
//! acting. Each read is its own stream (the server gives it a fresh id), so recording never
//! conflicts with anything.
use chrono::{DateTime, FixedOffset};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::{Actor, Role};

/// Commands on a read record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DataAccessCommand {
    /// 查阅: record that `actor` read the personal data of a case.
    RecordRead {
        /// The reader.
        actor: Actor,
        /// The case read.
        case_id: String,
        /// Why (the page or API that showed it, e.g. `inspector_case_file`).
        purpose: String,
        /// When (the server's clock).
        at: DateTime<FixedOffset>,
    },
}

/// Events of a read record. Stored schema: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DataAccessEvent {
    /// 已查阅个人信息.
    PersonalDataRead {
        /// Who read it (subject id).
        reader: String,
        /// In which role.
        role: Role,
        /// The reader's department, for department roles.
        department: Option<String>,
        /// The case.
        case_id: String,
        /// Why.
        purpose: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
}

impl DomainEvent for DataAccessEvent {
    fn event_type(&self) -> String {
        match self {
            DataAccessEvent::PersonalDataRead { .. } => "PersonalDataRead".into(),
        }
    }

    fn event_version(&self) -> String {
        "1".into()
    }
}

/// Why a read could not be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataAccessError {
    /// A record is written once.
    #[error("this read is recorded already")]
    AlreadyRecorded,
    /// The purpose or case id is not a short ASCII label.
    #[error("{0} must be 1 to 64 ASCII letters, digits, '-' or '_'")]
    InvalidLabel(&'static str),
}

/// One read of personal data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DataAccess {
    /// Whether it is recorded.
    pub recorded: bool,
}

fn is_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Aggregate for DataAccess {
    const TYPE: &'static str = "DataAccess";
    type Command = DataAccessCommand;
    type Event = DataAccessEvent;
    type Error = DataAccessError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let DataAccessCommand::RecordRead {
            actor,
            case_id,
            purpose,
            at,
        } = command;
        if self.recorded {
            return Err(DataAccessError::AlreadyRecorded);
        }
        if !is_label(&case_id) {
            return Err(DataAccessError::InvalidLabel("case_id"));
        }
        if !is_label(&purpose) {
            return Err(DataAccessError::InvalidLabel("purpose"));
        }
        sink.write(
            DataAccessEvent::PersonalDataRead {
                reader: actor.id,
                role: actor.role,
                department: actor.department,
                case_id,
                purpose,
                at,
            },
            self,
        )
        .await;
        Ok(())
    }

    fn apply(&mut self, _event: Self::Event) {
        self.recorded = true;
    }
}

#[cfg(test)]
mod tests {
    use cqrs_es::test::TestFramework;

    use super::*;

    fn read(case_id: &str) -> DataAccessCommand {
        DataAccessCommand::RecordRead {
            actor: Actor {
                id: "insp-1".into(),
                role: Role::Inspector,
                department: None,
            },
            case_id: case_id.into(),
            purpose: "inspector_case_file".into(),
            at: DateTime::parse_from_rfc3339("2026-03-16T10:00:00+08:00").unwrap(),
        }
    }

    #[test]
    fn a_read_is_recorded_once() {
        let event = DataAccessEvent::PersonalDataRead {
            reader: "insp-1".into(),
            role: Role::Inspector,
            department: None,
            case_id: "YG1".into(),
            purpose: "inspector_case_file".into(),
            at: DateTime::parse_from_rfc3339("2026-03-16T10:00:00+08:00").unwrap(),
        };
        TestFramework::<DataAccess>::with(())
            .given_no_previous_events()
            .when(read("YG1"))
            .then_expect_events(vec![event.clone()]);
        TestFramework::<DataAccess>::with(())
            .given(vec![event])
            .when(read("YG1"))
            .then_expect_error(DataAccessError::AlreadyRecorded);
    }

    #[test]
    fn labels_are_checked() {
        TestFramework::<DataAccess>::with(())
            .given_no_previous_events()
            .when(read("YG 1"))
            .then_expect_error(DataAccessError::InvalidLabel("case_id"));
    }
}

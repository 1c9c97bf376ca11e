//! 网上咨询 / 便民问答: a question from the public about a power, and the department's answer.
//!
//! Anyone may ask, without an account (an e-mail address for the answer is optional); the
//! power's department answers, and the answer is published on the power's page as one of its
//! 常见问题 unless the department marks it private (a question about one person's own affairs).
//! One stream per question, its id drawn at random by the server (`Q` + date + 8 letters, like a
//! tracking number). The server fills [`PowerFacts`] from the catalogue and `at` from its
//! clock: this aggregate reads neither.
use chrono::{DateTime, FixedOffset};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::text::Bounded;
use crate::{Actor, Role};

/// Longest question, in characters.
pub const MAX_QUESTION_CHARS: usize = 500;
/// Longest answer, in characters.
pub const MAX_ANSWER_CHARS: usize = 2000;

/// The power a question is about, as the catalogue has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerFacts {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its department.
    pub department: String,
}

/// Commands on a question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QuestionCommand {
    /// 咨询: the public asks.
    Ask {
        /// The power.
        power: PowerFacts,
        /// The question, 5 to 500 characters.
        text: String,
        /// Where to send the answer, if the asker wants it sent.
        email: Option<String>,
        /// When (the server's clock).
        at: DateTime<FixedOffset>,
    },
    /// 答复: an officer or administrator of the power's department answers, once.
    Answer {
        /// Who.
        actor: Actor,
        /// The answer, 1 to 2000 characters.
        text: String,
        /// Whether it is published as one of the power's 常见问题.
        public: bool,
        /// When (the server's clock).
        at: DateTime<FixedOffset>,
    },
}

/// What happened to a question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QuestionEvent {
    /// 已收到咨询.
    QuestionAsked {
        /// The power's code.
        power_code: String,
        /// Its name.
        power_name: String,
        /// Its department.
        department: String,
        /// The question.
        text: String,
        /// Where to send the answer (never shown to the public).
        email: Option<String>,
        /// When.
        at: DateTime<FixedOffset>,
    },
    /// 已答复.
    QuestionAnswered {
        /// The answer.
        text: String,
        /// Published on the power's page.
        public: bool,
        /// Who (subject id).
        by: String,
        /// When.
        at: DateTime<FixedOffset>,
    },
}

impl DomainEvent for QuestionEvent {
    fn event_type(&self) -> String {
        match self {
            QuestionEvent::QuestionAsked { .. } => "QuestionAsked",
            QuestionEvent::QuestionAnswered { .. } => "QuestionAnswered",
        }
        .into()
    }

    fn event_version(&self) -> String {
        "1".into()
    }
}

/// Why a command on a question was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuestionError {
    /// A text is empty, too long or holds control characters.
    #[error("{field}: {message}")]
    InvalidText {
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The e-mail address does not look like one.
    #[error("not an e-mail address (name@example.com)")]
    InvalidEmail,
    /// The id is taken.
    #[error("a question with this id exists")]
    AlreadyAsked,
    /// No such question.
    #[error("no such question")]
    NotFound,
    /// Only officers and administrators answer.
    #[error("only officers and administrators of the power's department answer")]
    NotStaff,
    /// The question is about another department's power.
    #[error("the question is about another department's power")]
    WrongDepartment,
    /// Answered already.
    #[error("the question has been answered")]
    AlreadyAnswered,
}

impl crate::refusal::Refusal for QuestionError {
    fn code(&self) -> &'static str {
        match self {
            QuestionError::InvalidText { .. } => "invalid_text",
            QuestionError::InvalidEmail => "invalid_email",
            QuestionError::AlreadyAsked => "already_asked",
            QuestionError::NotFound | QuestionError::WrongDepartment => "not_found",
            QuestionError::NotStaff => "forbidden",
            QuestionError::AlreadyAnswered => "already_answered",
        }
    }

    fn kind(&self) -> crate::refusal::RefusalKind {
        use crate::refusal::RefusalKind as K;
        match self {
            QuestionError::NotFound | QuestionError::WrongDepartment => K::NotFound,
            QuestionError::NotStaff => K::Forbidden,
            QuestionError::AlreadyAsked | QuestionError::AlreadyAnswered => K::Conflict,
            _ => K::Rule,
        }
    }

    fn zh(&self) -> String {
        match self {
            QuestionError::InvalidText { field, .. } if field == "text" => {
                "咨询内容为 5 至 500 个字，不能含控制字符。"
            }
            QuestionError::InvalidText { .. } => "答复内容为 1 至 2000 个字，不能含控制字符。",
            QuestionError::InvalidEmail => {
                "电子邮箱格式不正确，如 name@example.com；不需要答复邮件可不填。"
            }
            QuestionError::AlreadyAsked => "咨询编号冲突，请重新提交。",
            QuestionError::NotFound | QuestionError::WrongDepartment => "没有这条咨询。",
            QuestionError::NotStaff => "只有该事项所属部门的工作人员可以答复。",
            QuestionError::AlreadyAnswered => "这条咨询已经答复。",
        }
        .into()
    }

    fn en(&self) -> String {
        match self {
            QuestionError::InvalidText { field, .. } if field == "text" => {
                "A question is 5 to 500 characters, without control characters."
            }
            QuestionError::InvalidText { .. } => {
                "An answer is 1 to 2000 characters, without control characters."
            }
            QuestionError::InvalidEmail => {
                "That is not an e-mail address (name@example.com); leave it empty if no reply by mail is wanted."
            }
            QuestionError::AlreadyAsked => "The question's id was taken; send it again.",
            QuestionError::NotFound | QuestionError::WrongDepartment => "No such question.",
            QuestionError::NotStaff => "Only staff of the power's department answer.",
            QuestionError::AlreadyAnswered => "The question has been answered already.",
        }
        .into()
    }
}

/// A question as its events leave it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// The power's department; empty before it is asked.
    pub department: String,
    /// Whether it has been answered.
    pub answered: bool,
}

fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String, QuestionError> {
    let invalid = |message: String| QuestionError::InvalidText {
        field: field.into(),
        message,
    };
    let kept = Bounded::lines(max)
        .required(value)
        .map_err(|p| invalid(p.message()))?;
    if kept.chars().count() < min {
        return Err(invalid(format!("at least {min} characters")));
    }
    Ok(kept.to_string())
}

impl Aggregate for Question {
    const TYPE: &'static str = "Question";
    type Command = QuestionCommand;
    type Event = QuestionEvent;
    type Error = QuestionError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        match command {
            QuestionCommand::Ask {
                power,
                text: asked,
                email,
                at,
            } => {
                if !self.department.is_empty() {
                    return Err(QuestionError::AlreadyAsked);
                }
                let asked = text("text", &asked, 5, MAX_QUESTION_CHARS)?;
                let email = email
                    .map(|e| e.trim().to_string())
                    .filter(|e| !e.is_empty());
                if email.as_deref().is_some_and(|e| !crate::case::is_email(e)) {
                    return Err(QuestionError::InvalidEmail);
                }
                sink.write(
                    QuestionEvent::QuestionAsked {
                        power_code: power.code,
                        power_name: power.name,
                        department: power.department,
                        text: asked,
                        email,
                        at,
                    },
                    self,
                )
                .await;
            }
            QuestionCommand::Answer {
                actor,
                text: answer,
                public,
                at,
            } => {
                if self.department.is_empty() {
                    return Err(QuestionError::NotFound);
                }
                if !matches!(actor.role, Role::Officer | Role::Admin) {
                    return Err(QuestionError::NotStaff);
                }
                if actor.department.as_deref() != Some(self.department.as_str()) {
                    return Err(QuestionError::WrongDepartment);
                }
                if self.answered {
                    return Err(QuestionError::AlreadyAnswered);
                }
                let answer = text("answer", &answer, 1, MAX_ANSWER_CHARS)?;
                sink.write(
                    QuestionEvent::QuestionAnswered {
                        text: answer,
                        public,
                        by: actor.id,
                        at,
                    },
                    self,
                )
                .await;
            }
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            QuestionEvent::QuestionAsked { department, .. } => self.department = department,
            QuestionEvent::QuestionAnswered { .. } => self.answered = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use cqrs_es::test::TestFramework;

    use super::*;

    fn at() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-12-07T10:00:00+08:00").unwrap()
    }

    fn power() -> PowerFacts {
        PowerFacts {
            code: "PD-SCJG-XK-001".into(),
            name: "食品经营许可".into(),
            department: "pudong-amr".into(),
        }
    }

    fn asked() -> QuestionEvent {
        QuestionEvent::QuestionAsked {
            power_code: "PD-SCJG-XK-001".into(),
            power_name: "食品经营许可".into(),
            department: "pudong-amr".into(),
            text: "网上申请后多久可以拿到许可证？".into(),
            email: None,
            at: at(),
        }
    }

    fn staff(role: Role, department: &str) -> Actor {
        Actor {
            id: "officer-wang".into(),
            role,
            department: Some(department.into()),
        }
    }

    fn answer(actor: Actor) -> QuestionCommand {
        QuestionCommand::Answer {
            actor,
            text: "受理后 5 个工作日内作出决定。".into(),
            public: true,
            at: at(),
        }
    }

    #[test]
    fn anyone_asks_and_the_department_answers_once() {
        TestFramework::<Question>::with(())
            .given_no_previous_events()
            .when(QuestionCommand::Ask {
                power: power(),
                text: "  网上申请后多久可以拿到许可证？ ".into(),
                email: Some(" ".into()),
                at: at(),
            })
            .then_expect_events(vec![asked()]);
        TestFramework::<Question>::with(())
            .given(vec![asked()])
            .when(answer(staff(Role::Officer, "pudong-amr")))
            .then_expect_events(vec![QuestionEvent::QuestionAnswered {
                text: "受理后 5 个工作日内作出决定。".into(),
                public: true,
                by: "officer-wang".into(),
                at: at(),
            }]);
        let answered = QuestionEvent::QuestionAnswered {
            text: "x".into(),
            public: false,
            by: "a".into(),
            at: at(),
        };
        TestFramework::<Question>::with(())
            .given(vec![asked(), answered])
            .when(answer(staff(Role::Admin, "pudong-amr")))
            .then_expect_error(QuestionError::AlreadyAnswered);
    }

    #[test]
    fn only_the_departments_staff_answer_and_texts_are_bounded() {
        TestFramework::<Question>::with(())
            .given(vec![asked()])
            .when(answer(staff(Role::Officer, "pudong-other")))
            .then_expect_error(QuestionError::WrongDepartment);
        TestFramework::<Question>::with(())
            .given(vec![asked()])
            .when(answer(staff(Role::Inspector, "pudong-amr")))
            .then_expect_error(QuestionError::NotStaff);
        TestFramework::<Question>::with(())
            .given_no_previous_events()
            .when(answer(staff(Role::Officer, "pudong-amr")))
            .then_expect_error(QuestionError::NotFound);
        for (text, email) in [
            ("好", None),
            (&*"问".repeat(501), None),
            ("可以网上申请吗？", Some("not-mail")),
        ] {
            let refused = TestFramework::<Question>::with(())
                .given_no_previous_events()
                .when(QuestionCommand::Ask {
                    power: power(),
                    text: text.to_string(),
                    email: email.map(String::from),
                    at: at(),
                })
                .inspect_result();
            assert!(refused.is_err(), "{text} {email:?} accepted");
        }
    }
}

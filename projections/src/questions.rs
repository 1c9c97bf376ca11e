//! 网上咨询: one document per question, listed under its power's department — the department's
//! inbox, and (answered and public) the power's 常见问题.
use aggregates::question::{Question, QuestionEvent};
use chrono::{DateTime, FixedOffset};
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{EventRecord, Fold, payload};

/// An answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Answer {
    /// The answer.
    pub text: String,
    /// Published as one of the power's 常见问题.
    pub public: bool,
    /// Who answered (subject id).
    pub by: String,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// A question as its department sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QuestionDoc {
    /// Its id.
    pub id: String,
    /// The power's code.
    pub power_code: String,
    /// The power's name.
    pub power_name: String,
    /// The department.
    pub department: String,
    /// The question.
    pub text: String,
    /// Whether the asker left an address for the answer (the address itself stays out of the
    /// view).
    pub wants_mail: bool,
    /// When asked.
    pub asked_at: Option<DateTime<FixedOffset>>,
    /// The answer, once given.
    pub answer: Option<Answer>,
}

/// One of a power's 常见问题, as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicQuestion {
    /// Its id.
    pub id: String,
    /// The question.
    pub question: String,
    /// The department's answer.
    pub answer: String,
    /// When asked.
    pub asked_at: DateTime<FixedOffset>,
    /// When answered.
    pub answered_at: DateTime<FixedOffset>,
}

impl QuestionDoc {
    /// The question as published, if it is answered and public.
    pub fn published(&self) -> Option<PublicQuestion> {
        let answer = self.answer.as_ref().filter(|a| a.public)?;
        Some(PublicQuestion {
            id: self.id.clone(),
            question: self.text.clone(),
            answer: answer.text.clone(),
            asked_at: self.asked_at?,
            answered_at: answer.at,
        })
    }
}

/// Folds question events into their documents.
pub struct QuestionsProjection;

impl Fold for QuestionsProjection {
    type Doc = QuestionDoc;

    fn name(&self) -> &'static str {
        "questions"
    }

    fn version(&self) -> i32 {
        1
    }

    fn key(&self, event: &EventRecord) -> Option<String> {
        (event.aggregate_type == Question::TYPE).then(|| event.aggregate_id.to_string())
    }

    fn start(&self, first: &EventRecord) -> QuestionDoc {
        QuestionDoc {
            id: first.aggregate_id.to_string(),
            ..QuestionDoc::default()
        }
    }

    fn step(&self, doc: &mut QuestionDoc, event: &EventRecord) -> Result<(), crate::StepError> {
        match payload::<QuestionEvent>(event)? {
            QuestionEvent::QuestionAsked {
                power_code,
                power_name,
                department,
                text,
                email,
                at,
            } => {
                doc.power_code = power_code;
                doc.power_name = power_name;
                doc.department = department;
                doc.text = text;
                doc.wants_mail = email.is_some();
                doc.asked_at = Some(at);
            }
            QuestionEvent::QuestionAnswered {
                text,
                public,
                by,
                at,
            } => {
                doc.answer = Some(Answer {
                    text,
                    public,
                    by,
                    at,
                });
            }
        }
        Ok(())
    }

    fn part(&self, doc: &QuestionDoc) -> String {
        doc.department.clone()
    }
}

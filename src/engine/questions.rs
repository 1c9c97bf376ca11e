//! 网上咨询 / 便民问答: the public asks about a power; its department answers; answered
//! questions not marked private are published on the power's page as its 常见问题.
use aggregates::question::{PowerFacts, QuestionCommand, QuestionError};
use aggregates::{Actor, case::china_date};
use cqrs_es::AggregateError;
use projections::questions::{PublicQuestion, QuestionDoc};

use super::{CommandMeta, Engine, LoadError};
use crate::queries::Reads;

/// Why a question was not taken.
#[derive(Debug)]
pub enum AskError {
    /// No power under that code, or one not taking questions (revoked).
    UnknownPower,
    /// Refused by the question.
    Refused(AggregateError<QuestionError>),
    /// The catalogue could not be read.
    Load(LoadError),
}

impl Engine {
    /// 咨询: records a question about power `code`; answers with its id.
    pub async fn ask_question(
        &self,
        code: &str,
        text: String,
        email: Option<String>,
        meta: CommandMeta,
    ) -> Result<String, AskError> {
        let record = self
            .catalogue()
            .load(code)
            .await
            .map_err(AskError::Load)?
            .ok_or(AskError::UnknownPower)?;
        if record.power.status == aggregates::power::PowerStatus::Revoked
            || record.versions.is_empty()
        {
            return Err(AskError::UnknownPower);
        }
        let id = super::query_code::question_id(china_date(self.now()));
        let command = QuestionCommand::Ask {
            power: PowerFacts {
                code: record.power.code.clone(),
                name: record.power.name.clone(),
                department: record.power.department.clone(),
            },
            text,
            email,
            at: self.now(),
        };
        self.execute_question(&id, command, meta)
            .await
            .map_err(AskError::Refused)?;
        Ok(id)
    }

    /// 答复: `actor` answers question `id`.
    pub async fn answer_question(
        &self,
        id: &str,
        actor: Actor,
        text: String,
        public: bool,
        meta: CommandMeta,
    ) -> Result<(), AggregateError<QuestionError>> {
        if id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(AggregateError::UserError(QuestionError::NotFound));
        }
        let command = QuestionCommand::Answer {
            actor,
            text,
            public,
            at: self.now(),
        };
        self.execute_question(id, command, meta).await.map(|_| ())
    }
}

impl Reads<'_> {
    /// Every question to `department`, unanswered first (oldest first), then answered (newest
    /// first).
    pub async fn department_questions(
        &self,
        department: &str,
    ) -> Result<Vec<QuestionDoc>, LoadError> {
        self.wait_for_view("questions").await;
        let mut docs: Vec<QuestionDoc> =
            self.repo().view_docs("questions", Some(department)).await?;
        docs.sort_by(|a, b| match (&a.answer, &b.answer) {
            (None, None) => a.asked_at.cmp(&b.asked_at),
            (None, Some(_)) => std::cmp::Ordering::Less,
            (Some(_), None) => std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => y.at.cmp(&x.at),
        });
        Ok(docs)
    }

    /// One question, if it is `department`'s.
    pub async fn department_question(
        &self,
        department: &str,
        id: &str,
    ) -> Result<Option<QuestionDoc>, LoadError> {
        if id.len() > 64 {
            return Ok(None);
        }
        self.wait_for_view("questions").await;
        Ok(self
            .repo()
            .view_doc::<QuestionDoc>("questions", id)
            .await?
            .filter(|d| d.department == department))
    }

    /// The 常见问题 of power `code`: its answered, public questions, newest answer first.
    pub async fn power_questions(
        &self,
        department: &str,
        code: &str,
    ) -> Result<Vec<PublicQuestion>, LoadError> {
        self.wait_for_view("questions").await;
        let docs: Vec<QuestionDoc> = self.repo().view_docs("questions", Some(department)).await?;
        let mut public: Vec<PublicQuestion> = docs
            .iter()
            .filter(|d| d.power_code == code)
            .filter_map(QuestionDoc::published)
            .collect();
        public.sort_by_key(|q| std::cmp::Reverse(q.answered_at));
        Ok(public)
    }
}

//! 网上咨询 / 便民问答: the public asks about a power; its department answers; answered
//! questions not marked private are published on the power's page as its 常见问题.
use aggregates::question::{PowerFacts, QuestionCommand, QuestionError};
use aggregates::{Actor, case::china_date};
use cqrs_es::AggregateError;

use super::{CommandMeta, Engine, LoadError};

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

//! 网上咨询 reads: a department's questions, and a power's published 常见问题.
use projections::questions::{PublicQuestion, QuestionDoc};

use super::Reads;
use crate::engine::LoadError;

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

use chrono::{DateTime, FixedOffset};
use cqrs_es::test::TestFramework;

use super::*;
use crate::case::CaseStatus;

type Given = TestFramework<Feedback>;

fn at() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-03-16T10:00:00+08:00").unwrap()
}

fn case(status: CaseStatus) -> CaseFacts {
    CaseFacts {
        status,
        department: "pd-scjgj".into(),
        power_code: "330217001000".into(),
    }
}

fn complaint(number: u32) -> FeedbackEvent {
    FeedbackEvent::ComplaintFiled {
        number,
        text: "窗口要求提供清单以外的材料".into(),
        department: "pd-scjgj".into(),
        power_code: "330217001000".into(),
        at: at(),
    }
}

fn rate(score: u8, status: CaseStatus) -> FeedbackCommand {
    FeedbackCommand::RateService {
        case: case(status),
        score,
        comment: Some("  办事慢  ".into()),
        at: at(),
    }
}

#[test]
fn a_complaint_is_numbered_within_its_case() {
    Given::with(())
        .given(vec![complaint(1)])
        .when(FeedbackCommand::FileComplaint {
            case: case(CaseStatus::Open),
            text: " 窗口要求提供清单以外的材料 ".into(),
            at: at(),
        })
        .then_expect_events(vec![complaint(2)]);
}

#[test]
fn complaints_stop_at_the_limit() {
    let history = (1..=MAX_COMPLAINTS).map(complaint).collect();
    Given::with(())
        .given(history)
        .when(FeedbackCommand::FileComplaint {
            case: case(CaseStatus::Open),
            text: "再一次".into(),
            at: at(),
        })
        .then_expect_error(FeedbackError::TooManyComplaints {
            max: MAX_COMPLAINTS,
        });
}

#[test]
fn an_empty_or_overlong_complaint_is_refused() {
    for text in ["   ", &"长".repeat(2001), "a\u{7}b"] {
        let result = Given::with(())
            .given_no_previous_events()
            .when(FeedbackCommand::FileComplaint {
                case: case(CaseStatus::Open),
                text: text.into(),
                at: at(),
            })
            .inspect_result();
        assert!(
            matches!(result, Err(FeedbackError::InvalidText { .. })),
            "{result:?}"
        );
    }
}

#[test]
fn no_feedback_on_a_case_that_does_not_exist() {
    Given::with(())
        .given_no_previous_events()
        .when(FeedbackCommand::FileComplaint {
            case: case(CaseStatus::New),
            text: "x".into(),
            at: at(),
        })
        .then_expect_error(FeedbackError::NoSuchCase);
}

#[test]
fn a_concluded_case_is_rated_once() {
    Given::with(())
        .given_no_previous_events()
        .when(rate(1, CaseStatus::Concluded))
        .then_expect_events(vec![FeedbackEvent::ServiceRated {
            score: 1,
            comment: Some("办事慢".into()),
            department: "pd-scjgj".into(),
            power_code: "330217001000".into(),
            at: at(),
        }]);
    Given::with(())
        .given(vec![FeedbackEvent::ServiceRated {
            score: 5,
            comment: None,
            department: "pd-scjgj".into(),
            power_code: "330217001000".into(),
            at: at(),
        }])
        .when(rate(1, CaseStatus::Concluded))
        .then_expect_error(FeedbackError::AlreadyRated);
}

#[test]
fn an_open_case_cannot_be_rated_and_scores_are_one_to_five() {
    Given::with(())
        .given_no_previous_events()
        .when(rate(4, CaseStatus::Open))
        .then_expect_error(FeedbackError::NotConcluded);
    for score in [0, 6, 255] {
        Given::with(())
            .given_no_previous_events()
            .when(rate(score, CaseStatus::Concluded))
            .then_expect_error(FeedbackError::InvalidScore);
    }
}

#[test]
fn bad_ratings_are_the_two_lowest() {
    assert!(is_bad_rating(1) && is_bad_rating(2));
    assert!(!is_bad_rating(3) && !is_bad_rating(5));
}

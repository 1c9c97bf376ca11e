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

fn staff(department: &str) -> crate::Actor {
    crate::Actor {
        id: "wang".into(),
        role: crate::Role::Officer,
        department: Some(department.into()),
    }
}

fn rated(score: u8) -> FeedbackEvent {
    FeedbackEvent::ServiceRated {
        score,
        comment: None,
        department: "pd-scjgj".into(),
        power_code: "330217001000".into(),
        at: at(),
    }
}

fn called_back() -> FeedbackEvent {
    FeedbackEvent::CallBackRecorded {
        note: "已电话联系申请人".into(),
        by: "wang".into(),
        at: at(),
    }
}

fn rectified() -> FeedbackEvent {
    FeedbackEvent::RectificationRecorded {
        reply: "已对窗口人员批评教育".into(),
        by: "wang".into(),
        at: at(),
    }
}

#[test]
fn a_bad_rating_is_called_back_rectified_and_rated_again_once() {
    Given::with(())
        .given(vec![rated(2)])
        .when(FeedbackCommand::RecordCallBack {
            actor: staff("pd-scjgj"),
            note: "已电话联系申请人".into(),
            at: at(),
        })
        .then_expect_events(vec![called_back()]);
    Given::with(())
        .given(vec![rated(2), called_back()])
        .when(FeedbackCommand::RecordCallBack {
            actor: staff("pd-scjgj"),
            note: "again".into(),
            at: at(),
        })
        .then_expect_error(FeedbackError::AlreadyCalledBack);
    Given::with(())
        .given(vec![rated(2), called_back()])
        .when(FeedbackCommand::RecordRectification {
            actor: staff("pd-scjgj"),
            reply: "已对窗口人员批评教育".into(),
            at: at(),
        })
        .then_expect_events(vec![rectified()]);
    Given::with(())
        .given(vec![rated(2), called_back(), rectified()])
        .when(FeedbackCommand::RateFollowUp {
            score: 4,
            comment: None,
            at: at(),
        })
        .then_expect_events(vec![FeedbackEvent::FollowUpRated {
            score: 4,
            comment: None,
            at: at(),
        }]);
    Given::with(())
        .given(vec![
            rated(2),
            rectified(),
            FeedbackEvent::FollowUpRated {
                score: 4,
                comment: None,
                at: at(),
            },
        ])
        .when(FeedbackCommand::RateFollowUp {
            score: 5,
            comment: None,
            at: at(),
        })
        .then_expect_error(FeedbackError::AlreadyFollowedUp);
}

#[test]
fn only_a_bad_rating_or_a_complaint_opens_a_task_for_the_departments_staff() {
    // A good rating: nothing to rectify, nothing to rate again.
    Given::with(())
        .given(vec![rated(4)])
        .when(FeedbackCommand::RecordRectification {
            actor: staff("pd-scjgj"),
            reply: "x".into(),
            at: at(),
        })
        .then_expect_error(FeedbackError::NothingToRectify);
    Given::with(())
        .given(vec![rated(4)])
        .when(FeedbackCommand::RateFollowUp {
            score: 5,
            comment: None,
            at: at(),
        })
        .then_expect_error(FeedbackError::NoRectificationYet);
    // A complaint opens one; another department's officer may not act on it.
    Given::with(())
        .given(vec![complaint(1)])
        .when(FeedbackCommand::RecordCallBack {
            actor: staff("pd-other"),
            note: "x".into(),
            at: at(),
        })
        .then_expect_error(FeedbackError::NoSuchCase);
    // A complaint after a rectification opens a new task.
    Given::with(())
        .given(vec![complaint(1), rectified(), complaint(2)])
        .when(FeedbackCommand::RecordCallBack {
            actor: staff("pd-scjgj"),
            note: "已电话联系申请人".into(),
            at: at(),
        })
        .then_expect_events(vec![called_back()]);
}

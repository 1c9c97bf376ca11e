//! What the applicant is told (办理通知), and when: the moments of a case that concern them —
//! received online, accepted, 补正 needed, the limit extended, decided, withdrawn — each as a
//! text in Chinese with the English after it. Pure: the notifier (`src/follow/notifier.rs`)
//! decides whom to send it to and sends it.
use aggregates::case::CaseEvent;
use serde::{Deserialize, Serialize};

/// A moment that concerns the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The online application arrived (已收到).
    Received,
    /// It was accepted (已受理).
    Accepted,
    /// Materials are to be supplemented (需补正).
    Supplement,
    /// The limit was extended (已延期).
    Extended,
    /// Decided (已办结).
    Decided,
    /// The result document is ready to download (决定书已出具).
    DocumentReady,
    /// Withdrawn or terminated (已撤回/终止).
    Withdrawn,
    /// A question from the public answered (咨询已答复).
    Answered,
    /// The department's answer to a bad rating or complaint (整改已答复).
    Rectified,
}

impl NoticeKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Received => "received",
            NoticeKind::Accepted => "accepted",
            NoticeKind::Supplement => "supplement",
            NoticeKind::Extended => "extended",
            NoticeKind::Decided => "decided",
            NoticeKind::DocumentReady => "document_ready",
            NoticeKind::Withdrawn => "withdrawn",
            NoticeKind::Answered => "answered",
            NoticeKind::Rectified => "rectified",
        }
    }

    /// In Chinese, for people.
    pub fn zh(self) -> &'static str {
        match self {
            NoticeKind::Received => "已收到申请",
            NoticeKind::Accepted => "已受理",
            NoticeKind::Supplement => "需补正材料",
            NoticeKind::Extended => "办理期限延长",
            NoticeKind::Decided => "已办结",
            NoticeKind::DocumentReady => "决定书已出具",
            NoticeKind::Withdrawn => "已撤回/终止",
            NoticeKind::Answered => "咨询已答复",
            NoticeKind::Rectified => "整改已答复",
        }
    }
}

/// What the flowchart says about a step the case moved between (the notifier looks it up in the
/// pinned version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepFacts {
    /// The step completed is the flowchart's start step (申请与受理).
    pub from_start: bool,
    /// The step reached stops the clock (补正 and the like) or ends the case.
    pub to_waits_or_ends: bool,
}

/// The case as a notice names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeCase<'a> {
    /// Tracking number.
    pub tracking_no: &'a str,
    /// The power's name.
    pub power_name: &'a str,
    /// The department's name.
    pub department_name: &'a str,
    /// Where the applicant follows the case (the tracking page's address), if the deployment
    /// says where it is served.
    pub track_url: Option<&'a str>,
}

/// A notice ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// What it tells.
    pub kind: NoticeKind,
    /// Subject line (Chinese, then English).
    pub subject: String,
    /// The text: Chinese, then English.
    pub body: String,
    /// The short form for a text message (Chinese only, no link to the code).
    pub short: String,
}

/// The answer to a question from the public (网上咨询), for the address the asker left.
pub fn answer_notice(
    question_id: &str,
    power_name: &str,
    department_name: &str,
    question: &str,
    answer: &str,
) -> Notice {
    let kind = NoticeKind::Answered;
    let subject = format!(
        "【{department_name}】{}：{power_name} / {question_id}",
        kind.zh()
    );
    let body = format!(
        "您就“{power_name}”提出的咨询（编号 {question_id}）已答复。\n\n问：{question}\n\n答：{answer}\n\n{department_name}\n本邮件由系统自动发送，请勿回复。\n\n----\n\nYour question about {power_name} (number {question_id}) has been answered by {department_name}; the answer is above.\n\nThis message was sent automatically; please do not reply.\n"
    );
    let short =
        format!("【{department_name}】您关于{power_name}的咨询已答复，请查收邮件或查看事项页面。");
    Notice {
        kind,
        subject,
        body,
        short,
    }
}

/// The department's answer to the applicant's bad rating or complaint (整改答复): the reply
/// itself, and where to give the one follow-up rating (never the query code).
pub fn rectification_notice(case: &NoticeCase<'_>, reply: &str) -> Notice {
    let kind = NoticeKind::Rectified;
    let no = case.tracking_no;
    let subject = format!(
        "【{}】{}：{} / {no}",
        case.department_name,
        kind.zh(),
        case.power_name
    );
    let track = case
        .track_url
        .map(|u| {
            format!("\n\n可在办件查询页面（{u}）输入办件编号和查询码查看，并对整改情况追评一次。")
        })
        .unwrap_or_else(|| {
            "\n\n可在办件查询页面输入办件编号和查询码查看，并对整改情况追评一次。".into()
        });
    let body = format!(
        "您对办件 {no}（{}）的评价或投诉，{}已整改并答复：\n\n{reply}{track}\n\n{}\n本邮件由系统自动发送，请勿回复。\n\n----\n\n{} has answered your rating or complaint about case {no} ({}) with what it corrected (above). You may rate the rectification once on the tracking page.\n\nThis message was sent automatically; please do not reply.\n",
        case.power_name,
        case.department_name,
        case.department_name,
        case.department_name,
        case.power_name
    );
    let short = format!(
        "【{}】您对办件{no}的评价或投诉已整改答复，请在办件查询页面查看并追评。",
        case.department_name
    );
    Notice {
        kind,
        subject,
        body,
        short,
    }
}

/// The notice `event` calls for, if it concerns the applicant. `step` describes a
/// `StepCompleted`; the other events need nothing more.
pub fn notice_for(
    event: &CaseEvent,
    step: Option<StepFacts>,
    case: &NoticeCase<'_>,
) -> Option<Notice> {
    let (kind, zh, en) = match event {
        CaseEvent::CaseOpened { channel, .. } if *channel == aggregates::case::Channel::Online => (
            NoticeKind::Received,
            "我们已收到您的网上申请。承办部门将在法定期限内决定是否受理；材料不齐全的，会一次告知需要补正的全部内容。".to_string(),
            "We have received your online application. The department decides within the legal limit whether to accept it; if materials are missing, you will be told everything needed at once.".to_string(),
        ),
        CaseEvent::StepCompleted { outcome, .. }
            if step.is_some_and(|s| s.from_start && !s.to_waits_or_ends) =>
        {
            (
                NoticeKind::Accepted,
                format!("您的申请已受理（{outcome}），办理期限自受理之日起计算。"),
                format!("Your application has been accepted ({outcome}); the time limits run from acceptance."),
            )
        }
        CaseEvent::SupplementRequested { items, .. } => {
            let list_zh: Vec<String> = items
                .iter()
                .enumerate()
                .map(|(i, it)| format!("{}. {}：{}", i + 1, it.material, it.reason))
                .collect();
            let list_en: Vec<String> = items
                .iter()
                .enumerate()
                .map(|(i, it)| format!("{}. {}: {}", i + 1, it.material, it.reason))
                .collect();
            (
                NoticeKind::Supplement,
                format!(
                    "您的申请需要补正以下材料（一次性告知）。补正期间暂停计时，请凭办件编号和查询码在网上提交或到窗口补交：\n{}",
                    list_zh.join("\n")
                ),
                format!(
                    "Your application needs the following (all at once). The clock stands still until you answer; submit them online with the tracking number and query code, or at the window:\n{}",
                    list_en.join("\n")
                ),
            )
        }
        // The reason of an extension recorded as such is for the applicant (行政许可法 第四十二条);
        // one approved by completing a step carries that step's note, which is the officers'.
        CaseEvent::LimitExtended {
            days, reason, step, ..
        } => match step {
            None => (
                NoticeKind::Extended,
                format!("经批准，办理期限延长 {days} 个工作日。理由：{reason}"),
                format!("With approval, the time limit is extended by {days} working days. Reason: {reason}"),
            ),
            Some(_) => (
                NoticeKind::Extended,
                format!("经批准，办理期限延长 {days} 个工作日。"),
                format!("With approval, the time limit is extended by {days} working days."),
            ),
        },
        CaseEvent::CaseConcluded { result, .. } => (
            NoticeKind::Decided,
            format!("您的申请已办结，办理结果：{result}。"),
            format!("Your application has been decided: {result}."),
        ),
        CaseEvent::ResultDocumentIssued { title, .. } => (
            NoticeKind::DocumentReady,
            format!("您的《{title}》已出具，可在办件查询页面查看、下载和打印；任何人可在“文书核验”页面核对其真伪。"),
            format!("Your result document ({title}) is ready: read, download and print it on the tracking page; anyone can check a copy on the document check page."),
        ),
        CaseEvent::CaseWithdrawn { .. } => (
            NoticeKind::Withdrawn,
            "您的申请已撤回或终止办理。".to_string(),
            "Your application has been withdrawn or its handling terminated.".to_string(),
        ),
        _ => return None,
    };
    let follow_zh = match case.track_url {
        Some(url) => format!("查询办理进度：{url}（需输入办件编号和查询码）"),
        None => "可在办件查询页面输入办件编号和查询码查看办理进度。".into(),
    };
    let follow_en = match case.track_url {
        Some(url) => format!("Follow the case at {url} (with the tracking number and query code)."),
        None => {
            "Follow the case on the tracking page with the tracking number and query code.".into()
        }
    };
    let subject = format!(
        "【{}】{}：{} / {}",
        case.department_name,
        kind.zh(),
        case.power_name,
        case.tracking_no
    );
    let body = format!(
        "{power}（办件编号 {no}）\n\n{zh}\n\n{follow_zh}\n\n{dept}\n本邮件由系统自动发送，请勿回复。\n\n----\n\n{power} (tracking number {no})\n\n{en}\n\n{follow_en}\n\nThis message was sent automatically; please do not reply.\n",
        power = case.power_name,
        no = case.tracking_no,
        dept = case.department_name,
    );
    let short = format!(
        "【{}】您的{}（{}）{}。详情请凭查询码查询。",
        case.department_name,
        case.power_name,
        case.tracking_no,
        kind.zh()
    );
    Some(Notice {
        kind,
        subject,
        body,
        short,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aggregates::case::SupplementItem;
    use chrono::DateTime;

    fn case() -> NoticeCase<'static> {
        NoticeCase {
            tracking_no: "YG20261102ABCDEFGH",
            power_name: "食品经营许可",
            department_name: "上海市浦东新区市场监督管理局",
            track_url: Some("https://example.gov.cn/track"),
        }
    }

    fn at() -> DateTime<chrono::FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-02T09:00:00+08:00").unwrap()
    }

    fn step(outcome: &str) -> CaseEvent {
        CaseEvent::StepCompleted {
            from: "apply".into(),
            from_name: "申请与受理".into(),
            outcome: outcome.into(),
            to: "review".into(),
            to_name: "材料审查".into(),
            exception: false,
            at: at(),
            by: "officer-wang".into(),
            note: Some("内部备注：张三 13800138000".into()),
        }
    }

    #[test]
    fn acceptance_is_told_and_the_officers_note_is_not() {
        let facts = StepFacts {
            from_start: true,
            to_waits_or_ends: false,
        };
        let n = notice_for(&step("受理"), Some(facts), &case()).unwrap();
        assert_eq!(n.kind, NoticeKind::Accepted);
        assert!(
            n.subject
                .starts_with("【上海市浦东新区市场监督管理局】已受理")
        );
        assert!(n.body.contains("您的申请已受理（受理）") && n.body.contains("has been accepted"));
        assert!(n.body.contains("https://example.gov.cn/track"));
        assert!(!n.body.contains("13800138000") && !n.body.contains("内部备注"));
        // Other steps of the flowchart are the department's business.
        let later = StepFacts {
            from_start: false,
            to_waits_or_ends: false,
        };
        assert_eq!(
            notice_for(&step("书面审查符合条件"), Some(later), &case()),
            None
        );
        let to_supplement = StepFacts {
            from_start: true,
            to_waits_or_ends: true,
        };
        assert_eq!(
            notice_for(&step("补正"), Some(to_supplement), &case()),
            None
        );
    }

    #[test]
    fn a_supplement_notice_lists_every_item() {
        let event = CaseEvent::SupplementRequested {
            items: vec![
                SupplementItem {
                    material: "营业执照".into(),
                    reason: "未提交".into(),
                },
                SupplementItem {
                    material: "申请书".into(),
                    reason: "缺少签字".into(),
                },
            ],
            from_step: "apply".into(),
            waiting_step: "supplement".into(),
            at: at(),
            by: "officer-wang".into(),
        };
        let n = notice_for(&event, None, &case()).unwrap();
        assert_eq!(n.kind, NoticeKind::Supplement);
        assert!(
            n.body.contains("1. 营业执照：未提交\n2. 申请书：缺少签字"),
            "{}",
            n.body
        );
        assert!(n.short.contains("需补正材料") && n.short.chars().count() < 70);
    }

    #[test]
    fn the_result_is_told() {
        let event = CaseEvent::CaseConcluded {
            end_step: "granted".into(),
            result: "准予许可".into(),
            at: at(),
        };
        let n = notice_for(&event, None, &case()).unwrap();
        assert_eq!(n.kind, NoticeKind::Decided);
        assert!(n.body.contains("办理结果：准予许可"));
    }

    #[test]
    fn a_ready_document_is_told_by_its_title() {
        let event = CaseEvent::ResultDocumentIssued {
            title: "准予行政许可决定书".into(),
            sha256: "ab".repeat(32),
            size: 3000,
            at: at(),
        };
        let n = notice_for(&event, None, &case()).unwrap();
        assert_eq!(n.kind, NoticeKind::DocumentReady);
        assert!(
            n.body.contains("《准予行政许可决定书》已出具"),
            "{}",
            n.body
        );
        assert!(n.subject.contains("决定书已出具"), "{}", n.subject);
        assert!(!n.body.contains(&"ab".repeat(32)), "the hash is not mailed");
    }
}

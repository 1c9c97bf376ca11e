//! 办理通知: tells applicants of the moments of their case that concern them, through an outbox.
//!
//! One task per deployment (a lease on PostgreSQL, like the other followers) follows the global
//! order after its checkpoint. For each case event that concerns an applicant who left a way to
//! reach them (an online application's contact), it queues one notification per channel in the
//! `notifications` table under `{position}:{channel}` — so following an event again queues
//! nothing new — then saves its checkpoint. It then sends what is due: e-mail through the SMTP
//! relay of `[notifications]`, text messages through the gateway. A failure is kept with its
//! error and tried again later (30 s, 1 min, 2 min, … at most every 6 hours); administrators see
//! failures on `/admin/notifications`. Commands never wait for any of this: a relay that is down
//! delays mail, never a case.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aggregates::case::{Case, CaseEvent, CaseId, Contact};
use aggregates::question::{Question, QuestionEvent};
use cqrs_es::Aggregate;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use projections::notifications::{NoticeCase, StepFacts, answer_notice, notice_for};

use crate::engine::Engine;
use crate::store::StoredEvent;
use crate::store::notifications::{NewNotification, Notification};

/// The checkpoint (and lease) name.
pub const CHECKPOINT: &str = "notifier";
/// Notifications sent per round at most.
const SEND_BATCH: i64 = 20;
/// How long one send may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// A text-message gateway (短信). Implementations must not log the number in full.
#[async_trait::async_trait]
pub trait SmsGateway: Send + Sync {
    /// Sends `text` to `mobile`.
    async fn send(&self, mobile: &str, text: &str) -> Result<(), String>;
}

/// The gateway until one is contracted: logs that a message would go out, the number masked.
pub struct LoggingSms;

#[async_trait::async_trait]
impl SmsGateway for LoggingSms {
    async fn send(&self, mobile: &str, text: &str) -> Result<(), String> {
        tracing::info!(
            to = %mask_mobile(mobile),
            chars = text.chars().count(),
            "text message (logging gateway: not sent)"
        );
        Ok(())
    }
}

/// `138****8000`.
pub fn mask_mobile(mobile: &str) -> String {
    let chars: Vec<char> = mobile.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// `z***@example.com`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

/// `text` with every e-mail address in it masked (a relay's refusal often quotes the recipient).
pub fn mask_emails_in(text: &str) -> String {
    text.split_inclusive(|c: char| {
        c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | ',' | ';' | '(' | ')')
    })
    .map(|piece| {
        let end = piece
            .char_indices()
            .rev()
            .find(|(_, c)| {
                !(c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | ',' | ';' | '(' | ')'))
            })
            .map_or(0, |(i, c)| i + c.len_utf8());
        let (word, rest) = piece.split_at(end);
        if word.contains('@') {
            format!("{}{rest}", mask_email(word))
        } else {
            piece.to_string()
        }
    })
    .collect()
}

/// Where notifications go out.
struct Channels {
    mailer: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    sms: Option<Arc<dyn SmsGateway>>,
    track_url: Option<String>,
}

/// Starts the notifier (it waits for its lease first on PostgreSQL). Refused at start: an SMTP
/// URL or sender that does not parse.
pub fn spawn(engine: Arc<Engine>) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let settings = engine.notify().clone();
    let mailer = match &settings.smtp_url {
        Some(url) => {
            let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|e| anyhow::anyhow!("notifications.smtp_url: {e}"))?
                .timeout(Some(SEND_TIMEOUT))
                .build();
            let from: Mailbox = settings
                .from
                .parse()
                .map_err(|e| anyhow::anyhow!("notifications.from: {e}"))?;
            Some((transport, from))
        }
        None => None,
    };
    let channels = Channels {
        mailer,
        sms: settings
            .sms
            .then(|| Arc::new(LoggingSms) as Arc<dyn SmsGateway>),
        track_url: settings.track_url.clone(),
    };
    Ok(tokio::spawn(async move {
        loop {
            if let Err(e) = run(&engine, &channels).await {
                tracing::warn!(error = %e, "notifier stopped; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }))
}

async fn run(engine: &Engine, channels: &Channels) -> anyhow::Result<()> {
    let mut notifier = Notifier { engine, channels };
    crate::follow::follow_log(engine, CHECKPOINT, Duration::from_secs(2), &mut notifier).await
}

struct Notifier<'a> {
    engine: &'a Engine,
    channels: &'a Channels,
}

#[async_trait::async_trait]
impl crate::follow::Follower for Notifier<'_> {
    async fn batch(&mut self, events: &[StoredEvent]) -> anyhow::Result<()> {
        let queued = notifications_for(self.engine, self.channels, events).await?;
        if !queued.is_empty() {
            self.engine
                .repo()
                .enqueue_notifications(&queued, self.engine.now().timestamp())
                .await?;
        }
        Ok(())
    }

    async fn idle(&mut self) -> anyhow::Result<()> {
        send_due(self.engine, self.channels).await
    }
}

/// The event types that may concern an applicant.
const TOLD: [&str; 7] = [
    "CaseOpened",
    "StepCompleted",
    "SupplementRequested",
    "LimitExtended",
    "CaseConcluded",
    "ResultDocumentIssued",
    "CaseWithdrawn",
];

/// What a case's applicant is to be told of, with whom to tell.
struct Addressee {
    contact: Contact,
    case: Case,
    department_name: String,
    flowchart: Option<Arc<aggregates::power::PublishedPower>>,
}

async fn notifications_for(
    engine: &Engine,
    channels: &Channels,
    events: &[StoredEvent],
) -> anyhow::Result<Vec<NewNotification>> {
    let mut addressees: HashMap<String, Option<Addressee>> = HashMap::new();
    let mut out = Vec::new();
    for stored in events {
        if stored.aggregate_type == Question::TYPE && stored.event_type == "QuestionAnswered" {
            if let (Some(n), Some(_)) = (answer_for(engine, stored).await?, &channels.mailer) {
                out.push(n);
            }
            continue;
        }
        let rectified =
            stored.aggregate_type == "Feedback" && stored.event_type == "RectificationRecorded";
        if !rectified
            && (stored.aggregate_type != "Case" || !TOLD.contains(&stored.event_type.as_str()))
        {
            continue;
        }
        let event = if rectified {
            None
        } else {
            match serde_json::from_value::<CaseEvent>(stored.payload.clone()) {
                Ok(e) => Some(e),
                Err(_) => continue,
            }
        };
        if !addressees.contains_key(&stored.aggregate_id) {
            let found = addressee(engine, &stored.aggregate_id).await?;
            addressees.insert(stored.aggregate_id.clone(), found);
        }
        let Some(Some(who)) = addressees.get(&stored.aggregate_id) else {
            continue;
        };
        let step = match (&event, &who.flowchart) {
            (Some(CaseEvent::StepCompleted { from, to, .. }), Some(p)) => Some(StepFacts {
                from_start: p.flowchart.start().id == *from,
                to_waits_or_ends: p.flowchart.is_end(to)
                    || p.flowchart.step(to).is_some_and(|s| s.pauses_clock),
            }),
            _ => None,
        };
        let case = NoticeCase {
            tracking_no: &who.case.tracking_no,
            power_name: &who.case.power_name,
            department_name: &who.department_name,
            track_url: channels.track_url.as_deref(),
        };
        let notice = match &event {
            Some(event) => notice_for(event, step, &case),
            None => match serde_json::from_value::<aggregates::feedback::FeedbackEvent>(
                stored.payload.clone(),
            ) {
                Ok(aggregates::feedback::FeedbackEvent::RectificationRecorded {
                    reply, ..
                }) => Some(projections::notifications::rectification_notice(
                    &case, &reply,
                )),
                _ => None,
            },
        };
        let Some(notice) = notice else {
            continue;
        };
        let mut queue = |channel: &str, recipient: &str, body: &str| {
            out.push(NewNotification {
                id: format!("{}:{channel}", stored.position),
                case_id: stored.aggregate_id.clone(),
                kind: notice.kind.as_str().into(),
                channel: channel.into(),
                recipient: recipient.into(),
                subject: notice.subject.clone(),
                body: body.into(),
            })
        };
        if let (Some(email), Some(_)) = (&who.contact.email, &channels.mailer) {
            queue("email", email, &notice.body);
        }
        if let (Some(mobile), Some(_)) = (&who.contact.mobile, &channels.sms) {
            queue("sms", mobile, &notice.short);
        }
    }
    Ok(out)
}

/// The answer to a question, for the address its asker left (none: nothing to send).
async fn answer_for(
    engine: &Engine,
    stored: &StoredEvent,
) -> anyhow::Result<Option<NewNotification>> {
    let Ok(QuestionEvent::QuestionAnswered { text: answer, .. }) =
        serde_json::from_value::<QuestionEvent>(stored.payload.clone())
    else {
        return Ok(None);
    };
    let events = engine
        .repo()
        .aggregate_events(Question::TYPE, &stored.aggregate_id)
        .await?;
    let asked = events.iter().find_map(|e| {
        match serde_json::from_value::<QuestionEvent>(e.payload.clone()) {
            Ok(QuestionEvent::QuestionAsked {
                power_code,
                power_name,
                text,
                email: Some(email),
                ..
            }) => Some((power_code, power_name, text, email)),
            _ => None,
        }
    });
    let Some((power_code, power_name, question, email)) = asked else {
        return Ok(None);
    };
    let department_name = engine
        .catalogue()
        .load(&power_code)
        .await?
        .map(|r| r.power.department_name.clone())
        .unwrap_or_default();
    let notice = answer_notice(
        &stored.aggregate_id,
        &power_name,
        &department_name,
        &question,
        &answer,
    );
    Ok(Some(NewNotification {
        id: format!("{}:email", stored.position),
        case_id: stored.aggregate_id.clone(),
        kind: notice.kind.as_str().into(),
        channel: "email".into(),
        recipient: email,
        subject: notice.subject,
        body: notice.body,
    }))
}

/// The case's applicant, if they left a way to reach them.
async fn addressee(engine: &Engine, id: &str) -> anyhow::Result<Option<Addressee>> {
    let Some(case_id) = CaseId::parse(id) else {
        return Ok(None);
    };
    let Some((case, _)) = engine.load_case(&case_id).await? else {
        return Ok(None);
    };
    let Some(contact) = case.contact.clone() else {
        return Ok(None);
    };
    let flowchart = engine
        .catalogue()
        .version_of(&case.power_code, case.power_version)
        .await?;
    let department_name = flowchart
        .as_ref()
        .map(|p| p.department_name.clone())
        .unwrap_or_else(|| case.department.clone());
    Ok(Some(Addressee {
        contact,
        case,
        department_name,
        flowchart,
    }))
}

/// Seconds before the next try after `attempts` failed tries: 30 s doubling, at most 6 hours.
pub fn backoff_secs(attempts: i32) -> i64 {
    let exponent = attempts.clamp(0, 20) as u32;
    (30i64 << exponent).min(6 * 3600)
}

async fn send_due(engine: &Engine, channels: &Channels) -> anyhow::Result<()> {
    let now = engine.now().timestamp();
    for n in engine.repo().due_notifications(now, SEND_BATCH).await? {
        let result = send(channels, &n).await.map_err(|e| mask_emails_in(&e));
        let now = engine.now().timestamp();
        match &result {
            Ok(()) => {
                engine
                    .repo()
                    .record_notification_attempt(&n.id, now, Ok(()))
                    .await?
            }
            Err(error) => {
                tracing::warn!(
                    notification = %n.id,
                    channel = %n.channel,
                    attempts = n.attempts + 1,
                    %error,
                    "a notification failed; it is tried again later"
                );
                let next = now + backoff_secs(n.attempts);
                engine
                    .repo()
                    .record_notification_attempt(&n.id, now, Err((error, next)))
                    .await?
            }
        }
    }
    Ok(())
}

async fn send(channels: &Channels, n: &Notification) -> Result<(), String> {
    match n.channel.as_str() {
        "email" => {
            let Some((transport, from)) = &channels.mailer else {
                return Err("no SMTP relay is configured (notifications.smtp_url)".into());
            };
            let to: Mailbox = n
                .recipient
                .parse()
                .map_err(|_| "the recipient's address does not parse".to_string())?;
            let message = Message::builder()
                .from(from.clone())
                .to(to)
                .subject(n.subject.clone())
                .header(ContentType::TEXT_PLAIN)
                .body(n.body.clone())
                .map_err(|e| format!("the message could not be built: {e}"))?;
            transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| format!("SMTP: {e}"))
        }
        "sms" => match &channels.sms {
            Some(gateway) => gateway.send(&n.recipient, &n.body).await,
            None => Err("text messages are turned off (notifications.sms)".into()),
        },
        other => Err(format!("unknown channel {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::{backoff_secs, mask_email, mask_mobile};

    #[test]
    fn retries_back_off_to_six_hours() {
        assert_eq!(backoff_secs(0), 30);
        assert_eq!(backoff_secs(1), 60);
        assert_eq!(backoff_secs(5), 960);
        assert_eq!(backoff_secs(30), 6 * 3600);
    }

    #[test]
    fn addresses_are_masked_for_pages_and_logs() {
        assert_eq!(mask_mobile("13800138000"), "138****8000");
        assert_eq!(mask_email("zhang.san@example.com"), "z***@example.com");
        assert_eq!(
            super::mask_emails_in(
                "SMTP: permanent error (550): 5.1.1 <zhang.san@example.com>: Recipient address rejected"
            ),
            "SMTP: permanent error (550): 5.1.1 <z***@example.com>: Recipient address rejected"
        );
    }
}

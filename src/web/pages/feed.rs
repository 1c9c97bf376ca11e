//! `GET /track/feed?no=&code=`: a case's progress as an Atom feed (办理进度订阅), for a feed
//! reader instead of coming back to `/track`. Authorised by the query code exactly as the
//! tracking page (the same 404 for a wrong code and an unknown number, the same lookup budget),
//! and as free of personal data as it.
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use atom_syndication::{Content, Entry, Feed, Link, Person, Text};
use chrono::{DateTime, FixedOffset, NaiveTime};
use projections::public_case::PublicCaseView;

use super::{Ctx, Lang, encode_component};
use crate::engine::Engine;

fn plain(status: StatusCode, text: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(text.to_string())
}

/// `GET /track/feed`.
pub(crate) async fn feed(req: HttpRequest, engine: web::Data<Engine>) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    let (Some(no), Some(code)) = (ctx.params.get("no"), ctx.params.get("code")) else {
        return plain(
            StatusCode::BAD_REQUEST,
            ctx.t(
                "请提供办件编号和查询码。",
                "Give the tracking number and the query code.",
            ),
        );
    };
    if crate::web::rate_limit::check_public_lookup(&req).is_err() {
        return plain(
            StatusCode::TOO_MANY_REQUESTS,
            ctx.t(
                "查询过于频繁，请稍后再试。",
                "Too many lookups; try again later.",
            ),
        );
    }
    let view = match engine.reads_own().public_case(no, code).await {
        Ok(Some(v)) => v,
        Ok(None) => {
            return plain(
                StatusCode::NOT_FOUND,
                ctx.t(
                    "没有与该办件编号和查询码相符的办件。",
                    "No case matches this tracking number and query code.",
                ),
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "a feed could not be read");
            return plain(
                StatusCode::SERVICE_UNAVAILABLE,
                ctx.t(
                    "服务暂时不可用，请稍后再试。",
                    "Temporarily unavailable; try again later.",
                ),
            );
        }
    };
    let info = req.connection_info();
    let base = format!("{}://{}", info.scheme(), info.host());
    let page = format!(
        "{base}/track?no={}&code={}{}",
        encode_component(no),
        encode_component(code),
        if ctx.lang == Lang::En { "&lang=en" } else { "" }
    );
    let xml = atom(&ctx, &view, &page).to_string();
    HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store, private"))
        .body(xml)
}

fn entry(id: String, title: String, at: DateTime<FixedOffset>, text: String, page: &str) -> Entry {
    let mut e = Entry::default();
    e.set_id(id);
    e.set_title(Text::plain(title));
    e.set_updated(at);
    let mut content = Content::default();
    content.set_content_type("text".to_string());
    content.set_value(text);
    e.set_content(content);
    let mut link = Link::default();
    link.set_href(page);
    link.set_rel("alternate");
    e.set_links(vec![link]);
    e
}

/// The feed: the receipt, each step, each pause, an open 补正 notice and the result, newest
/// first.
fn atom(ctx: &Ctx, v: &PublicCaseView, page: &str) -> Feed {
    let urn = format!("urn:yangguang:case:{}", v.tracking_no);
    let received = v
        .received_on
        .and_time(NaiveTime::MIN)
        .and_local_timezone(aggregates::case::china_offset())
        .single()
        .unwrap_or_default();
    let mut entries = vec![entry(
        format!("{urn}:received"),
        ctx.t("已收到申请", "Application received").to_string(),
        received,
        format!("{}{}", ctx.t("申请事项：", "Power: "), v.power_name),
        page,
    )];
    for (i, s) in v.timeline.iter().enumerate() {
        entries.push(entry(
            format!("{urn}:step:{i}"),
            format!("{}：{}", s.step, s.outcome),
            s.at,
            format!("{}{}", ctx.t("进入环节：", "Now at: "), s.next),
            page,
        ));
    }
    if let Some(s) = &v.supplement {
        let items: Vec<String> = s
            .items
            .iter()
            .map(|i| format!("{}：{}", i.material, i.reason))
            .collect();
        entries.push(entry(
            format!("{urn}:supplement:{}", s.requested_at.timestamp()),
            ctx.t("需要补正材料", "Materials to supplement").to_string(),
            s.requested_at,
            items.join("\n"),
            page,
        ));
    }
    if let (Some(result), Some(at)) = (&v.result, v.closed_at) {
        entries.push(entry(
            format!("{urn}:result"),
            format!("{}{}", ctx.t("已办结：", "Decided: "), result),
            at,
            result.clone(),
            page,
        ));
    }
    // Newest first; of two at the same moment, the one added later (a notice after its step).
    let mut entries: Vec<(usize, Entry)> = entries.into_iter().enumerate().collect();
    entries.sort_by_key(|(i, e)| std::cmp::Reverse((*e.updated(), *i)));
    let entries: Vec<Entry> = entries.into_iter().map(|(_, e)| e).collect();
    let mut feed = Feed::default();
    feed.set_id(urn);
    feed.set_title(Text::plain(format!(
        "{} {} {}",
        v.power_name,
        v.tracking_no,
        ctx.t("办理进度", "progress")
    )));
    feed.set_updated(entries.first().map(|e| *e.updated()).unwrap_or(received));
    let mut author = Person::default();
    author.set_name(ctx.t("阳光·行政权力公开透明运行", "Yangguang"));
    feed.set_authors(vec![author]);
    let mut link = Link::default();
    link.set_href(page);
    link.set_rel("alternate");
    feed.set_links(vec![link]);
    feed.set_lang(Some(ctx.t("zh-CN", "en").to_string()));
    feed.set_entries(entries);
    feed
}

//! A small typesetter for the documents the service issues (决定书, 申请书 templates): A4
//! pages of Chinese text, written with `lopdf`.
//!
//! The text is set in STSong-Light, one of the Adobe CJK fonts every conforming PDF reader
//! provides without embedding (PDF 1.7 §9.7.5.2, "predefined CMaps"), through the predefined
//! `UniGB-UTF16-H` CMap, so no font file ships with the service and the documents stay small.
//! A `ToUnicode` map makes the text searchable and extractable (`pdftotext`, screen readers).
//! The same input gives the same bytes: the document's hash is its identity.
use chrono::{DateTime, FixedOffset};
use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, Stream, StringFormat, dictionary};

/// A4 in points.
const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN_X: f32 = 72.0;
const MARGIN_TOP: f32 = 80.0;
const MARGIN_BOTTOM: f32 = 72.0;
const BODY_SIZE: f32 = 12.0;
const LEADING: f32 = 1.75;

/// One block of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A centred title line (larger).
    Title(String),
    /// A centred line in body size (the document number).
    Centered(String),
    /// A paragraph, first line indented by two characters.
    Paragraph(String),
    /// A paragraph without indent (a salutation, a labelled line).
    Plain(String),
    /// A right-aligned line (the issuing authority, the date).
    Right(String),
    /// A small-print paragraph (notes on checking the document).
    Small(String),
    /// Vertical space of one line.
    Gap,
}

/// What the PDF says about itself.
pub struct Meta<'a> {
    /// The document title (shown by readers).
    pub title: &'a str,
    /// The issuing authority.
    pub author: &'a str,
    /// When it was made.
    pub created: DateTime<FixedOffset>,
}

/// Width of `c` in thousandths of the font size: CJK and full-width forms are square; the
/// proportional Latin of the font is taken as half a square.
fn advance(c: char) -> u32 {
    if c.is_ascii() { 500 } else { 1000 }
}

/// Characters a line may not start with (避头点): closing punctuation stays on the line before.
fn no_break_before(c: char) -> bool {
    "，。、；：？！）》」』】〕”’,.;:?!)]}%".contains(c)
}

/// Splits `text` into lines at most `width` points wide at `size`, the first line `indent`
/// points narrower.
fn wrap(text: &str, size: f32, width: f32, indent: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut used = 0.0f32;
        let mut room = width - if lines.is_empty() { indent } else { 0.0 };
        for c in paragraph.chars() {
            let w = advance(c) as f32 * size / 1000.0;
            if used + w > room && !line.is_empty() && !no_break_before(c) {
                // A run of Latin letters and digits (a tracking number) moves to the next line
                // whole, unless it fills the line by itself.
                let run = if c.is_ascii_alphanumeric() {
                    line.chars()
                        .rev()
                        .take_while(char::is_ascii_alphanumeric)
                        .count()
                } else {
                    0
                };
                let keep = line.chars().count() - run;
                let carried: String = if run > 0 && keep > 0 {
                    let split = line.char_indices().nth(keep).map_or(line.len(), |(i, _)| i);
                    line.split_off(split)
                } else {
                    String::new()
                };
                lines.push(std::mem::replace(&mut line, carried));
                used = line.chars().map(advance).sum::<u32>() as f32 * size / 1000.0;
                room = width;
            }
            line.push(c);
            used += w;
        }
        lines.push(line);
    }
    lines
}

fn text_width(text: &str, size: f32) -> f32 {
    text.chars().map(advance).sum::<u32>() as f32 * size / 1000.0
}

/// One line placed on a page.
struct Placed {
    x: f32,
    y: f32,
    size: f32,
    text: String,
}

/// Lays the blocks out on pages.
fn layout(blocks: &[Block]) -> Vec<Vec<Placed>> {
    let width = PAGE_W - 2.0 * MARGIN_X;
    let mut pages: Vec<Vec<Placed>> = vec![Vec::new()];
    let mut y = PAGE_H - MARGIN_TOP;
    let put = |pages: &mut Vec<Vec<Placed>>, y: &mut f32, x: f32, size: f32, text: String| {
        let step = size * LEADING;
        if *y - step < MARGIN_BOTTOM {
            pages.push(Vec::new());
            *y = PAGE_H - MARGIN_TOP;
        }
        *y -= step;
        if let Some(page) = pages.last_mut() {
            page.push(Placed {
                x,
                y: *y,
                size,
                text,
            });
        }
    };
    for block in blocks {
        match block {
            Block::Title(text) => {
                let size = 20.0;
                for line in wrap(text, size, width, 0.0) {
                    let x = MARGIN_X + (width - text_width(&line, size)) / 2.0;
                    put(&mut pages, &mut y, x, size, line);
                }
            }
            Block::Centered(text) => {
                for line in wrap(text, BODY_SIZE, width, 0.0) {
                    let x = MARGIN_X + (width - text_width(&line, BODY_SIZE)) / 2.0;
                    put(&mut pages, &mut y, x, BODY_SIZE, line);
                }
            }
            Block::Paragraph(text) => {
                let indent = 2.0 * BODY_SIZE;
                for (i, line) in wrap(text, BODY_SIZE, width, indent).into_iter().enumerate() {
                    let x = MARGIN_X + if i == 0 { indent } else { 0.0 };
                    put(&mut pages, &mut y, x, BODY_SIZE, line);
                }
            }
            Block::Plain(text) => {
                for line in wrap(text, BODY_SIZE, width, 0.0) {
                    put(&mut pages, &mut y, MARGIN_X, BODY_SIZE, line);
                }
            }
            Block::Right(text) => {
                for line in wrap(text, BODY_SIZE, width, 0.0) {
                    let x = PAGE_W - MARGIN_X - text_width(&line, BODY_SIZE);
                    put(&mut pages, &mut y, x, BODY_SIZE, line);
                }
            }
            Block::Small(text) => {
                let size = 9.0;
                for line in wrap(text, size, width, 0.0) {
                    put(&mut pages, &mut y, MARGIN_X, size, line);
                }
            }
            Block::Gap => y -= BODY_SIZE * LEADING,
        }
    }
    pages
}

/// The text as the font's codes: UTF-16 big-endian (`UniGB-UTF16-H`).
fn encode(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// A PDF text string (document information): UTF-16BE with its byte-order mark.
fn info_string(text: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(encode(text));
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// The `ToUnicode` CMap for the characters used: each code maps to itself.
fn to_unicode(chars: &std::collections::BTreeSet<char>) -> Vec<u8> {
    let hex = |c: char| -> String {
        encode(&c.to_string())
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    };
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         2 begincodespacerange\n<0000> <FFFF>\n<D800DC00> <DBFFDFFF>\nendcodespacerange\n",
    );
    let list: Vec<char> = chars.iter().copied().collect();
    for chunk in list.chunks(100) {
        cmap.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for &c in chunk {
            let h = hex(c);
            cmap.push_str(&format!("<{h}> <{h}>\n"));
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    cmap.into_bytes()
}

/// The PDF of `blocks`, with page numbers (第 n 页 共 m 页) at the foot of each page.
pub fn render(blocks: &[Block], meta: &Meta<'_>) -> Vec<u8> {
    let pages = layout(blocks);
    let total = pages.len();
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();

    let mut used = std::collections::BTreeSet::new();
    let footers: Vec<String> = (1..=total)
        .map(|n| format!("第 {n} 页 共 {total} 页"))
        .collect();
    for text in pages
        .iter()
        .flatten()
        .map(|p| p.text.as_str())
        .chain(footers.iter().map(String::as_str))
    {
        used.extend(text.chars());
    }
    let to_unicode_id = doc.add_object(Stream::new(Dictionary::new(), to_unicode(&used)));
    let descriptor_id = doc.add_object(dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => "STSong-Light",
        "Flags" => 6,
        "FontBBox" => vec![(-25).into(), (-254).into(), 1000.into(), 880.into()],
        "ItalicAngle" => 0,
        "Ascent" => 880,
        "Descent" => -120,
        "CapHeight" => 880,
        "StemV" => 93,
    });
    let cid_font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType0",
        "BaseFont" => "STSong-Light",
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("GB1"),
            "Supplement" => 4,
        },
        "FontDescriptor" => descriptor_id,
        "DW" => 1000,
        // The proportional Latin (CIDs 1-95, which the CMap gives ASCII) set half-width.
        "W" => vec![1.into(), 95.into(), 500.into()],
    });
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => "STSong-Light-UniGB-UTF16-H",
        "Encoding" => "UniGB-UTF16-H",
        "DescendantFonts" => vec![cid_font_id.into()],
        "ToUnicode" => to_unicode_id,
    });
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
    });

    let mut kids: Vec<Object> = Vec::new();
    for (n, page) in pages.iter().enumerate() {
        let mut operations = Vec::new();
        let mut show = |x: f32, y: f32, size: f32, text: &str| {
            operations.push(Operation::new("BT", vec![]));
            operations.push(Operation::new("Tf", vec!["F1".into(), size.into()]));
            operations.push(Operation::new("Td", vec![x.into(), y.into()]));
            operations.push(Operation::new(
                "Tj",
                vec![Object::String(encode(text), StringFormat::Hexadecimal)],
            ));
            operations.push(Operation::new("ET", vec![]));
        };
        for line in page {
            show(line.x, line.y, line.size, &line.text);
        }
        let footer = &footers[n];
        let x = (PAGE_W - text_width(footer, 9.0)) / 2.0;
        show(x, MARGIN_BOTTOM / 2.0, 9.0, footer);
        let content = Content { operations };
        let bytes = content.encode().unwrap_or_default();
        let content_id = doc.add_object(Stream::new(Dictionary::new(), bytes));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), PAGE_W.into(), PAGE_H.into()],
        });
        kids.push(page_id.into());
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => i64::try_from(total).unwrap_or(1),
        }),
    );
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
        "Lang" => Object::string_literal("zh-CN"),
    });
    let created = meta.created.format("D:%Y%m%d%H%M%S+08'00'").to_string();
    let info_id = doc.add_object(dictionary! {
        "Title" => info_string(meta.title),
        "Author" => info_string(meta.author),
        "Producer" => Object::string_literal("Yangguang"),
        "CreationDate" => Object::string_literal(created),
    });
    doc.trailer.set("Root", catalog_id);
    doc.trailer.set("Info", info_id);
    doc.compress();
    let mut out = Vec::new();
    // Writing to memory does not fail.
    let _ = doc.save_to(&mut out);
    out
}

/// The text of a PDF made by [`render`], page by page (for checks and tests): the strings its
/// pages show, in order, decoded as the font's UTF-16.
pub fn extract_text(pdf: &[u8]) -> Option<Vec<String>> {
    let doc = Document::load_mem(pdf).ok()?;
    let mut pages = Vec::new();
    for (_, page_id) in doc.get_pages() {
        let content = doc.get_page_content(page_id);
        let content = Content::decode(&content).ok()?;
        let mut text = String::new();
        for op in content.operations {
            if op.operator == "Tj"
                && let Some(Object::String(bytes, _)) = op.operands.first()
            {
                let units: Vec<u16> = bytes
                    .chunks_exact(2)
                    .map(|b| u16::from_be_bytes([b[0], b[1]]))
                    .collect();
                text.push_str(&String::from_utf16_lossy(&units));
                text.push('\n');
            }
        }
        pages.push(text);
    }
    Some(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Meta<'static> {
        Meta {
            title: "准予行政许可决定书",
            author: "上海市浦东新区市场监督管理局",
            created: DateTime::parse_from_rfc3339("2026-12-07T10:00:00+08:00").unwrap(),
        }
    }

    #[test]
    fn the_same_blocks_give_the_same_bytes_and_the_text_reads_back() {
        let blocks = vec![
            Block::Title("准予行政许可决定书".into()),
            Block::Centered("编号：PD-2026-ABC".into()),
            Block::Paragraph(
                "你单位于2026年12月1日提出的食品经营许可申请，本机关决定准予许可。".into(),
            ),
            Block::Plain("𠮷野家餐饮有限公司：".into()),
        ];
        let a = render(&blocks, &meta());
        let b = render(&blocks, &meta());
        assert_eq!(a, b, "rendering is not deterministic");
        assert!(a.starts_with(b"%PDF-1.7"));
        let text = extract_text(&a).unwrap().join("");
        assert!(text.contains("准予行政许可决定书"), "{text}");
        assert!(text.contains("编号：PD-2026-ABC"), "{text}");
        assert!(
            text.contains("𠮷野家"),
            "a character outside the BMP survives: {text}"
        );
        assert!(text.contains("第 1 页 共 1 页"), "{text}");
        // It opens as a PDF for the upload checks too.
        assert!(lopdf::Document::load_mem(&a).is_ok());
    }

    #[test]
    fn long_text_wraps_within_the_margins_and_flows_onto_more_pages() {
        let long = "本机关依法审查了申请材料，并指派两名工作人员进行了现场核查。".repeat(60);
        let pages = layout(&[Block::Paragraph(long.clone())]);
        assert!(pages.len() >= 2, "{} page(s)", pages.len());
        for line in pages.iter().flatten() {
            let right = line.x + text_width(&line.text, line.size);
            // A closing mark may hang past the margin by one character.
            assert!(
                right <= PAGE_W - MARGIN_X + line.size,
                "{} ends at {right}",
                line.text
            );
            assert!(line.y >= MARGIN_BOTTOM, "{} at y {}", line.text, line.y);
            assert!(
                !line.text.starts_with('，') && !line.text.starts_with('。'),
                "{}",
                line.text
            );
        }
        let joined: String = pages.iter().flatten().map(|p| p.text.as_str()).collect();
        assert_eq!(joined, long, "wrapping lost or changed text");
    }

    #[test]
    fn a_tracking_number_is_not_split_across_lines() {
        let text = format!(
            "{}（办件编号 YG20261208ER9BMJ7E）。",
            "申请人提出的食品经营许可申请".repeat(2)
        );
        for indent in [0.0, 24.0, 36.0, 48.0] {
            let lines = wrap(&text, BODY_SIZE, PAGE_W - 2.0 * MARGIN_X, indent);
            assert!(
                lines.iter().any(|l| l.contains("YG20261208ER9BMJ7E")),
                "split at indent {indent}: {lines:?}"
            );
            assert_eq!(lines.concat(), text);
        }
    }
}

//! 网上申请: what an applicant sends online besides the party — how to reach them (联系方式)
//! and the application's materials (申请材料), each a file kept once by its SHA-256.
use serde::{Deserialize, Serialize};

use crate::party::PartyProblem;

/// Most files one application or supplement may carry.
pub const MAX_MATERIAL_FILES: usize = 20;

/// How to reach the applicant (联系方式): an e-mail address, a mobile number, or both; at least
/// one. Personal data: shown to the department's officers and inspectors only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// E-mail address (电子邮箱).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(example = "zhang.san@example.com"))]
    pub email: Option<String>,
    /// Mainland mobile number, 11 digits (手机号码).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(example = "13800138000"))]
    pub mobile: Option<String>,
}

impl Contact {
    /// The contact with blank fields dropped and the rest trimmed.
    pub fn normalised(self) -> Contact {
        let clean = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        Contact {
            email: clean(self.email),
            mobile: clean(self.mobile).map(|m| m.replace([' ', '-'], "")),
        }
    }

    /// Every problem with this contact (normalised first), empty when it is acceptable.
    pub fn problems(&self) -> Vec<PartyProblem> {
        let mut problems = Vec::new();
        let mut bad = |field: &str, message: &str| {
            problems.push(PartyProblem {
                field: format!("contact.{field}"),
                message: message.into(),
            })
        };
        if self.email.is_none() && self.mobile.is_none() {
            bad(
                "email",
                "give an e-mail address or a mobile number (or both)",
            );
        }
        if let Some(email) = &self.email
            && !is_email(email)
        {
            bad("email", "not an e-mail address (name@example.com)");
        }
        if let Some(mobile) = &self.mobile
            && !is_mobile(mobile)
        {
            bad(
                "mobile",
                "not a mainland mobile number (11 digits starting 13-19)",
            );
        }
        problems
    }
}

/// An address of the shape `local@domain.tld`: at most 254 characters, printable ASCII, no
/// spaces, one `@`, a dot in the domain. Whether it receives mail only sending can tell.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    text.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && text.bytes().all(|b| b.is_ascii_graphic())
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// A mainland mobile number: 11 digits, `1` then `3`-`9`.
fn is_mobile(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

/// The kinds of file a material may be: what the bytes are, not what the name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MediaType {
    /// PDF.
    #[serde(rename = "application/pdf")]
    Pdf,
    /// JPEG.
    #[serde(rename = "image/jpeg")]
    Jpeg,
    /// PNG.
    #[serde(rename = "image/png")]
    Png,
}

impl MediaType {
    /// The MIME type.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
        }
    }

    /// The MIME type's kind, if it is one of ours.
    pub fn parse(mime: &str) -> Option<MediaType> {
        match mime {
            "application/pdf" => Some(MediaType::Pdf),
            "image/jpeg" => Some(MediaType::Jpeg),
            "image/png" => Some(MediaType::Png),
            _ => None,
        }
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        match self {
            MediaType::Pdf => "PDF",
            MediaType::Jpeg => "JPEG",
            MediaType::Png => "PNG",
        }
    }
}

/// One file submitted for one of the version's materials (申请材料). The bytes are kept once
/// by their hash, outside the event log; the event names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmittedMaterial {
    /// The material's name, as the pinned version lists it.
    pub material: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// What the file is (sniffed from its bytes).
    pub media_type: MediaType,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Most materials one 补正 notice may list.
pub const MAX_SUPPLEMENT_ITEMS: usize = 30;

/// One thing a 补正 notice asks for (一次性告知补正): a material of the version, and what is
/// missing or wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SupplementItem {
    /// The material's name, as the pinned version lists it.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "营业执照或者其他主体资格证明文件")
    )]
    pub material: String,
    /// What is missing or wrong, in words the applicant understands (1 to 200 characters).
    #[cfg_attr(
        feature = "openapi",
        schema(example = "未提交；请上传营业执照副本照片")
    )]
    pub reason: String,
}

/// A 补正 notice not yet answered: what it asks for, and where the case waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenSupplement {
    /// Everything asked for, in one notice.
    pub items: Vec<SupplementItem>,
    /// The step the notice was given at (the case returns there when the applicant answers).
    pub from_step: String,
    /// The step where the case waits for the answer (a step that stops the clock).
    pub waiting_step: String,
    /// When the notice was given.
    pub requested_at: chrono::DateTime<chrono::FixedOffset>,
}

/// A concluded case's written decision (决定书), as issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultDocument {
    /// Its title, e.g. 准予行政许可决定书.
    pub title: String,
    /// SHA-256 of the PDF, lower-case hex.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was issued.
    pub issued_at: chrono::DateTime<chrono::FixedOffset>,
}

/// Whether `text` is a SHA-256 in lower-case hex.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::{Contact, is_email, is_mobile};

    #[test]
    fn a_contact_needs_an_address_or_a_number_that_could_work() {
        let c = |e: Option<&str>, m: Option<&str>| {
            Contact {
                email: e.map(String::from),
                mobile: m.map(String::from),
            }
            .normalised()
            .problems()
            .into_iter()
            .map(|p| p.field)
            .collect::<Vec<_>>()
        };
        assert!(c(Some("zhang@example.com"), None).is_empty());
        assert!(c(None, Some("138 0013 8000")).is_empty());
        assert_eq!(c(None, None), ["contact.email"]);
        assert_eq!(c(Some("  "), Some("")), ["contact.email"]);
        assert_eq!(
            c(Some("zhang"), Some("12345")),
            ["contact.email", "contact.mobile"]
        );
    }

    #[test]
    fn addresses_and_numbers() {
        for ok in ["a@b.cn", "zhang.san+gov@mail.example.com"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "a@b", "@b.cn", "a@@b.cn", "a b@c.cn", "a@.cn", "a@b..cn", "张@b.cn", "a@b.cn.",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(is_mobile("13800138000"));
        for bad in ["1380013800", "12800138000", "23800138000", "1380013800x"] {
            assert!(!is_mobile(bad), "{bad}");
        }
    }
}

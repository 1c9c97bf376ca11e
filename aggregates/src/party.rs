//! The party to a case (当事人/申请人): a natural person or an organisation, with the
//! identity-number checks of the national standards, and the masking used on public views.
use serde::{Deserialize, Serialize};

/// Natural person or organisation (自然人 / 法人或其他组织).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// 自然人: identified by an 18-digit resident identity card number (GB 11643-1999).
    Person,
    /// 法人或其他组织: identified by an 18-character unified social credit code (GB 32100-2015).
    Organisation,
}

/// The party as given when a case is opened. Personal data: never shown on public views.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Person or organisation.
    pub kind: PartyKind,
    /// Name (姓名 / 名称).
    pub name: String,
    /// Resident ID number or unified social credit code (身份证号码 / 统一社会信用代码).
    pub id_number: String,
    /// Contact phone (联系电话).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Address (地址).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// Why a party was refused; `field` names the JSON field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartyProblem {
    /// The offending field, e.g. `party.id_number`.
    pub field: String,
    /// A plain sentence.
    pub message: String,
}

impl PartyProblem {
    /// The problem in people's words, (Chinese, English), by its field; `kind` is the party's
    /// (an ID number is checked as a resident ID or a credit code by it).
    pub fn words(&self, kind: PartyKind) -> (&'static str, &'static str) {
        match (self.field.as_str(), kind) {
            ("party.name", _) => (
                "姓名或名称必填，最多 100 个字符，不能含控制字符。",
                "The name is required: at most 100 characters, no control characters.",
            ),
            ("party.id_number", PartyKind::Person) => (
                "居民身份证号码无效：应为 18 位，出生日期合理，最后一位校验码符合 GB 11643-1999。",
                "Not a valid resident ID number: 18 characters, a plausible birth date, and the \
                 GB 11643-1999 check character last.",
            ),
            ("party.id_number", PartyKind::Organisation) => (
                "统一社会信用代码无效：应为 18 位（不含 I、O、Z、S、V），最后一位校验码符合 GB 32100-2015。",
                "Not a valid unified social credit code: 18 characters (no I, O, Z, S, V), the \
                 GB 32100-2015 check character last.",
            ),
            ("party.phone", _) => (
                "联系电话应为 5 至 20 位数字（可含 - + ( ) 和空格）。",
                "The phone must be 5 to 20 digits (with - + ( ) or spaces).",
            ),
            ("party.address", _) => (
                "地址最多 200 个字符，不能含控制字符。",
                "The address is at most 200 characters, without control characters.",
            ),
            ("contact.mobile", _) => (
                "手机号码应为 11 位数字，以 13 至 19 开头。",
                "A mobile number is 11 digits starting 13 to 19.",
            ),
            ("contact.email", _) if self.message.starts_with("give") => (
                "请至少填写电子邮箱或手机号码中的一项，以便接收办理通知。",
                "Give an e-mail address or a mobile number (or both), to hear how the case goes.",
            ),
            _ => (
                "电子邮箱格式有误，应如 name@example.com。",
                "Not an e-mail address: it looks like name@example.com.",
            ),
        }
    }
}

impl Party {
    /// Every problem with this party, empty when it is acceptable.
    pub fn problems(&self) -> Vec<PartyProblem> {
        let mut problems = Vec::new();
        let mut bad = |field: &str, message: String| {
            problems.push(PartyProblem {
                field: format!("party.{field}"),
                message,
            })
        };
        let name = self.name.trim();
        if name.is_empty() {
            bad("name", "name must not be empty".into());
        } else if name.chars().count() > 100 {
            bad("name", "name must be at most 100 characters".into());
        } else if self
            .name
            .chars()
            .any(|c| c.is_control() || is_invisible_format(c))
        {
            // The name is stored as given: a control character at either end (a trailing
            // carriage return or U+0085, which trimming would hide) is refused as well, and
            // so are invisible formatting characters (a right-to-left override, a zero-width
            // space) that make one name look like another.
            bad(
                "name",
                "name must not contain control or invisible formatting characters".into(),
            );
        }
        match self.kind {
            PartyKind::Person if !is_valid_resident_id(&self.id_number) => bad(
                "id_number",
                "not a valid 18-digit resident identity card number (GB 11643-1999 check digit)"
                    .into(),
            ),
            PartyKind::Organisation if !is_valid_social_credit_code(&self.id_number) => bad(
                "id_number",
                "not a valid unified social credit code (GB 32100-2015 check character)".into(),
            ),
            _ => {}
        }
        if let Some(phone) = &self.phone {
            let digits = phone.chars().filter(|c| c.is_ascii_digit()).count();
            let allowed = phone
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' ' | '(' | ')'));
            if !allowed || !(5..=20).contains(&digits) {
                bad(
                    "phone",
                    "phone must be 5 to 20 digits (with - + ( ) or spaces)".into(),
                );
            }
        }
        if let Some(address) = &self.address {
            if address.chars().count() > 200 {
                bad("address", "address must be at most 200 characters".into());
            } else if address
                .chars()
                .any(|c| c.is_control() || is_invisible_format(c))
            {
                bad(
                    "address",
                    "address must not contain control or invisible formatting characters".into(),
                );
            }
        }
        problems
    }

    /// The name as it may appear on a public view: organisations by name, people masked (张*).
    pub fn public_name(&self) -> String {
        match self.kind {
            PartyKind::Organisation => self.name.trim().to_string(),
            PartyKind::Person => mask_person_name(&self.name),
        }
    }
}

/// Masks a natural person's name: the first character stays and two stars follow, whatever
/// the name's length (张三 → 张**, 欧阳小明 → 欧**), so that the mask does not tell a two-character
/// name from a four-character one. A one-character name becomes `**`.
pub fn mask_person_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match (chars.next(), chars.next()) {
        (None, _) => String::new(),
        (Some(_), None) => "**".into(),
        (Some(first), Some(_)) => format!("{first}**"),
    }
}

/// Invisible formatting characters (Unicode category Cf: the zero-width space, bidirectional
/// overrides and isolates, the soft hyphen, the byte-order mark, tags; not the joiners, which
/// scripts and emoji need, nor the left-to-right and right-to-left marks, which names in
/// right-to-left scripts carry): they make a name look like another, or reorder what is shown
/// around it.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x180E
            // Not the joiners U+200C and U+200D, which scripts and emoji sequences need, nor
            // the marks U+200E and U+200F, which right-to-left names may carry.
            | 0x200B
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

/// GB 11643-1999: 17 digits, then a check character from the weighted sum mod 11.
pub fn is_valid_resident_id(id: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let chars: Vec<char> = id.chars().collect();
    if chars.len() != 18 || !chars[..17].iter().all(char::is_ascii_digit) {
        return false;
    }
    let sum: u32 = chars[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    let expected = CHECK[(sum % 11) as usize];
    let month: u32 = id[10..12].parse().unwrap_or(0);
    let day: u32 = id[12..14].parse().unwrap_or(0);
    chars[17].to_ascii_uppercase() == expected
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
}

/// GB 32100-2015: 17 characters from a 31-symbol alphabet, then a check character mod 31.
pub fn is_valid_social_credit_code(code: &str) -> bool {
    const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return false;
    }
    let mut values = Vec::with_capacity(18);
    for c in &chars {
        match ALPHABET.find(*c) {
            Some(v) => values.push(v),
            None => return false,
        }
    }
    let sum: usize = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    values[17] == check
}

#[cfg(test)]
mod tests {
    use super::*;

    // Check digits computed by hand from the standards' weights.
    const PERSON_ID: &str = "11010519491231002X";
    const ORG_CODE: &str = "91350100M000100Y43";

    #[test]
    fn resident_id_check_digit() {
        assert!(is_valid_resident_id(PERSON_ID));
        assert!(!is_valid_resident_id("110105194912310021"));
        assert!(!is_valid_resident_id("1101051949123100"));
        assert!(!is_valid_resident_id("11010519491331002X"), "month 13");
    }

    #[test]
    fn social_credit_code_check_character() {
        assert!(is_valid_social_credit_code(ORG_CODE));
        assert!(!is_valid_social_credit_code("91350100M000100Y44"));
        assert!(
            !is_valid_social_credit_code("91350100M000100YI3"),
            "I is not in the alphabet"
        );
    }

    #[test]
    fn control_characters_are_refused_at_either_end_of_a_name_too() {
        for name in ["王明\r", "王明\u{85}", "\t王明", "王\u{0}明"] {
            let party = Party {
                kind: PartyKind::Person,
                name: name.into(),
                id_number: PERSON_ID.into(),
                phone: None,
                address: None,
            };
            assert_eq!(party.problems().len(), 1, "{name:?}");
            assert_eq!(party.problems()[0].field, "party.name");
        }
    }

    #[test]
    fn masks_people_not_organisations() {
        assert_eq!(mask_person_name("张三"), "张**");
        assert_eq!(mask_person_name("欧阳小明"), "欧**");
        assert_eq!(mask_person_name("李"), "**");
        // The mask does not tell the name's length.
        assert_eq!(
            mask_person_name("张三").chars().count(),
            mask_person_name("司马相如").chars().count()
        );
        let org = Party {
            kind: PartyKind::Organisation,
            name: "上海某某餐饮管理有限公司".into(),
            id_number: ORG_CODE.into(),
            phone: None,
            address: None,
        };
        assert_eq!(org.public_name(), "上海某某餐饮管理有限公司");
        assert!(org.problems().is_empty());
    }

    #[test]
    fn every_problem_is_reported() {
        let p = Party {
            kind: PartyKind::Person,
            name: " ".into(),
            id_number: "123".into(),
            phone: Some("call me".into()),
            address: Some("a\u{0}b".into()),
        };
        let fields: Vec<_> = p.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "party.name",
                "party.id_number",
                "party.phone",
                "party.address"
            ]
        );
    }

    /// A right-to-left override or a zero-width space makes one name look like another: refused
    /// like control characters, in names and addresses.
    #[test]
    fn invisible_formatting_characters_are_refused() {
        for name in [
            "张\u{202E}三",
            "张\u{200B}三",
            "\u{FEFF}张三",
            "张三\u{2066}",
        ] {
            let party = Party {
                kind: PartyKind::Person,
                name: name.into(),
                id_number: "11010519491231002X".into(),
                phone: None,
                address: Some("上海市\u{200B}浦东新区".into()),
            };
            let fields: Vec<String> = party.problems().into_iter().map(|p| p.field).collect();
            assert_eq!(fields, ["party.name", "party.address"], "{name:?}");
        }
        assert!(!is_invisible_format('张') && !is_invisible_format(' '));
        assert!(
            !is_invisible_format('\u{200D}'),
            "the joiner of emoji sequences is kept"
        );
    }
}

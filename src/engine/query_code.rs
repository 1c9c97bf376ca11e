//! Tracking numbers and query codes (办件编号 / 查询码).
//!
//! The tracking number is random, so numbers cannot be walked; the query code is a second
//! random secret of which only a salted SHA-256 is stored, compared in constant time.
use aggregates::case::CaseId;
use chrono::NaiveDate;
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Symbols without look-alikes (no 0/O, 1/I/L), so codes read out over the phone survive.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const CODE_LEN: usize = 10;

fn random_symbols(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A new tracking number: `YG`, the date, eight random symbols (31^8 ≈ 8.5e11 per day).
pub fn tracking_number(today: NaiveDate) -> CaseId {
    let number = format!("YG{}{}", today.format("%Y%m%d"), random_symbols(8));
    // ASCII letters and digits only, 18 characters: always a case id.
    CaseId::parse(&number).expect("a tracking number is a case id")
}

/// A new supervision order id (督办): `D`, the date, eight random symbols.
pub fn order_id(today: NaiveDate) -> String {
    format!("D{}{}", today.format("%Y%m%d"), random_symbols(8))
}

/// A new spot check id (抽查): `S`, the date, eight random symbols.
pub fn spot_check_id(today: NaiveDate) -> String {
    format!("S{}{}", today.format("%Y%m%d"), random_symbols(8))
}

/// A new question id (网上咨询): `Q`, the date, eight random symbols.
pub fn question_id(today: NaiveDate) -> String {
    format!("Q{}{}", today.format("%Y%m%d"), random_symbols(8))
}

/// The tracking number one form stands for: `YG`, the form's date and eight symbols drawn from
/// `seed` (a keyed hash of who filled the form and the form's own key), so that posting one
/// form twice names one case, while nobody without the server's key can tell the number.
pub fn tracking_number_for(day: NaiveDate, seed: &[u8; 32]) -> CaseId {
    let symbols: String = seed[..8]
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    let number = format!("YG{}{symbols}", day.format("%Y%m%d"));
    CaseId::parse(&number).expect("a tracking number is a case id")
}

/// A freshly generated query code with its salt and hash.
pub struct QueryCode {
    /// The code, shown to the applicant once.
    pub code: String,
    /// Salt, hex.
    pub salt_hex: String,
    /// SHA-256(salt || code), hex.
    pub hash_hex: String,
}

impl QueryCode {
    /// Generates a code (31^10 ≈ 8e14 possibilities).
    pub fn generate() -> Self {
        let code = random_symbols(CODE_LEN);
        let mut salt = [0u8; 16];
        rand::rng().fill(&mut salt);
        let hash_hex = hex::encode(digest(&salt, &code));
        QueryCode {
            code,
            salt_hex: hex::encode(salt),
            hash_hex,
        }
    }
}

fn digest(salt: &[u8], code: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(code.as_bytes());
    hasher.finalize().into()
}

/// Normalises what a person typed: case, spaces and dashes do not matter.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Whether `code` matches the stored salt and hash, compared in constant time.
pub fn verify(code: &str, salt_hex: &str, hash_hex: &str) -> bool {
    let salt = hex::decode(salt_hex).unwrap_or_default();
    let expected = hex::decode(hash_hex).unwrap_or_default();
    let actual = digest(&salt, &normalise(code));
    expected.len() == actual.len() && bool::from(actual.ct_eq(&expected[..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_verifies_and_a_wrong_one_does_not() {
        let q = QueryCode::generate();
        assert_eq!(q.code.len(), CODE_LEN);
        assert!(verify(&q.code, &q.salt_hex, &q.hash_hex));
        assert!(verify(&q.code.to_lowercase(), &q.salt_hex, &q.hash_hex));
        let mut wrong = q.code.clone();
        wrong.replace_range(0..1, if wrong.starts_with('2') { "3" } else { "2" });
        assert!(!verify(&wrong, &q.salt_hex, &q.hash_hex));
        assert!(!verify(&q.code, &q.salt_hex, "00"));
    }

    #[test]
    fn tracking_numbers_are_dated_and_distinct() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 6).unwrap();
        let a = tracking_number(d);
        assert!(a.starts_with("YG20260306"));
        assert_eq!(a.len(), 18);
        assert_ne!(a, tracking_number(d));
    }
}

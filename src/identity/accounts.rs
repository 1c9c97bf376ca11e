//! People's accounts (工作人员账户): Argon2id passwords, sign-in with lockout, and sessions.
//!
//! An account is who acts; an identity is how they prove it. The first provider is `local`
//! (a password, checked here); a single sign-on provider (OIDC) would add identities that
//! point at the same accounts and end in the same [`SignedInSession`], so nothing downstream
//! (the [`Principal`], the actor in events) changes. Accounts are disabled, never deleted:
//! their id stays the actor of what they did.
use std::sync::LazyLock;

use aggregates::Role;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::identity::tokens::{Claims, Principal};
use crate::store::accounts::{AccountRow, CreateAccountError, LOCAL_PROVIDER, SessionRow};
use crate::store::{EventRepo, StoreError};

/// Sessions and sign-in lockout settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountPolicy {
    /// A session ends this long after sign-in, whatever happens.
    pub session_seconds: i64,
    /// A session ends after this long without a request.
    pub idle_seconds: i64,
    /// This many failed sign-ins in a row lock the identity...
    pub lockout_failures: i64,
    /// ...for this long.
    pub lockout_seconds: i64,
}

impl Default for AccountPolicy {
    fn default() -> Self {
        AccountPolicy {
            session_seconds: 12 * 3600,
            idle_seconds: 30 * 60,
            lockout_failures: 5,
            lockout_seconds: 15 * 60,
        }
    }
}

/// Shortest and longest password accepted, in characters. NIST SP 800-63B §5.1.1.2 asks for
/// at least 8 and for long passphrases to be allowed; 10 is this deployment's choice.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// See [`MIN_PASSWORD_CHARS`]; the bound keeps one hash cheap enough to compute.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Whether `id` can be an account id (login name): 2-40 of a-z, 0-9, `.`, `_`, `-`, starting
/// with a letter or digit. Ids are case-sensitive and lower-case only, so `Wang` and `wang`
/// cannot be two people.
pub fn is_valid_account_id(id: &str) -> bool {
    (2..=40).contains(&id.len())
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
        && id
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Why a new password is not acceptable (an English sentence for the CLI).
pub fn password_problem(password: &str) -> Option<String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Some(format!(
            "the password must be at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Some(format!(
            "the password must be at most {MAX_PASSWORD_CHARS} characters"
        ));
    }
    if password.chars().any(char::is_control) {
        return Some("the password must not contain control characters".into());
    }
    None
}

/// Argon2id with the crate's default parameters (m = 19 MiB, t = 2, p = 1: the OWASP
/// Password Storage Cheat Sheet's first recommendation), as a PHC string.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing the password failed: {e}"))?
        .to_string())
}

/// Whether `password` matches the PHC string `hash` (constant-time comparison inside).
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password: checked against when the account is unknown or locked, so
/// every refusal costs the same time as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let mut secret = [0u8; 24];
    rand::rng().fill_bytes(&mut secret);
    hash_password(&hex::encode(secret)).unwrap_or_default()
});

async fn verify_blocking(hash: String, password: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .unwrap_or(false)
}

/// The role stored for an account.
pub fn parse_role(role: &str) -> Option<Role> {
    match role {
        "admin" => Some(Role::Admin),
        "officer" => Some(Role::Officer),
        "inspector" => Some(Role::Inspector),
        _ => None,
    }
}

/// A new account for `users add`.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Login name and actor id.
    pub id: String,
    /// Name shown on pages (defaults to the id).
    pub display_name: Option<String>,
    /// Role.
    pub role: Role,
    /// Department (required for admins and officers, none for inspectors).
    pub department: Option<String>,
}

/// Creates an account with a local password. Checks every field first.
pub async fn create_account(
    repo: &EventRepo,
    account: NewAccount,
    password: &str,
    now: i64,
) -> anyhow::Result<AccountRow> {
    anyhow::ensure!(
        is_valid_account_id(&account.id),
        "the account name must be 2-40 characters of a-z, 0-9, '.', '_' and '-', starting \
         with a letter or digit"
    );
    match (account.role, &account.department) {
        (Role::Inspector, Some(_)) => {
            anyhow::bail!("inspectors serve every department: give no --department")
        }
        (Role::Admin | Role::Officer, None) => {
            anyhow::bail!("--department is required for {}", account.role.as_str())
        }
        (_, Some(d)) => anyhow::ensure!(
            aggregates::power::is_valid_department_id(d),
            "--department must be a-z, 0-9 and -, at most 40 characters"
        ),
        _ => {}
    }
    let display_name = account
        .display_name
        .map(|n| n.trim().to_string())
        .unwrap_or_else(|| account.id.clone());
    anyhow::ensure!(
        !display_name.is_empty()
            && display_name.chars().count() <= 50
            && !display_name.chars().any(char::is_control),
        "the display name must be 1-50 characters without control characters"
    );
    if let Some(problem) = password_problem(password) {
        anyhow::bail!(problem);
    }
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await??;
    let row = AccountRow {
        id: account.id,
        display_name,
        role: account.role.as_str().into(),
        department: account.department,
        created_at: now,
        disabled_at: None,
    };
    match repo.create_account(&row, &hash).await {
        Ok(()) => Ok(row),
        Err(CreateAccountError::Exists(id)) => {
            anyhow::bail!("an account named {id} exists already (accounts are never deleted)")
        }
        Err(CreateAccountError::Store(e)) => Err(e.into()),
    }
}

/// Sets a new password for a local identity (and clears its lock, ends its sessions).
pub async fn set_password(
    repo: &EventRepo,
    id: &str,
    password: &str,
    now: i64,
) -> anyhow::Result<()> {
    if let Some(problem) = password_problem(password) {
        anyhow::bail!(problem);
    }
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await??;
    anyhow::ensure!(
        repo.set_secret(id, &hash, now).await?,
        "no account named {id}"
    );
    Ok(())
}

/// A session just created: the cookie value (shown to the browser once, stored only hashed)
/// and the stored row.
#[derive(Debug, Clone)]
pub struct SignedInSession {
    /// The session id for the cookie.
    pub cookie: String,
    /// The session.
    pub session: SessionRow,
}

/// Why a sign-in was refused. Pages answer all of these with the same words: whether an
/// account exists, is disabled or is locked is not told to whoever is guessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefusal {
    /// No such account, a wrong password, a disabled account or a locked identity.
    Refused,
}

/// SHA-256 of a session id, hex: what the store keeps.
pub fn session_hash(cookie: &str) -> String {
    hex::encode(Sha256::digest(cookie.as_bytes()))
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Checks a local password sign-in, counting failures and locking after
/// `policy.lockout_failures` in a row; on success starts a session.
pub async fn sign_in_with_password(
    repo: &EventRepo,
    policy: &AccountPolicy,
    username: &str,
    password: &str,
    now: i64,
) -> Result<Result<SignedInSession, SignInRefusal>, StoreError> {
    let plausible = is_valid_account_id(username) && password.len() <= 4 * MAX_PASSWORD_CHARS;
    let identity = if plausible {
        repo.identity(LOCAL_PROVIDER, username).await?
    } else {
        None
    };
    // One path for every refusal (security finding 9): the same read above, one password
    // check (against a dummy hash when there is nothing to check), and the same write of
    // the name's failure count whether the name is an account's or not, so the answer's
    // timing does not tell a real name from an unknown one. A lock in force is not extended.
    let usable = identity
        .as_ref()
        .filter(|i| i.locked_until.is_none_or(|until| until <= now) && i.secret_hash.is_some());
    let hash = usable
        .and_then(|i| i.secret_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.clone());
    let verified = verify_blocking(hash, password.to_string()).await;
    let Some(identity) = usable.filter(|_| verified) else {
        if plausible {
            repo.record_sign_in_failure(
                LOCAL_PROVIDER,
                username,
                policy.lockout_failures,
                now + policy.lockout_seconds,
                now,
            )
            .await?;
        }
        return Ok(Err(SignInRefusal::Refused));
    };
    if identity.account.disabled_at.is_some() || parse_role(&identity.account.role).is_none() {
        return Ok(Err(SignInRefusal::Refused));
    }
    repo.clear_sign_in_failures(LOCAL_PROVIDER, username)
        .await?;
    start_session(repo, policy, &identity.account.id, LOCAL_PROVIDER, now)
        .await
        .map(Ok)
}

/// Starts a session for an account whose identity was just proven by `provider`.
pub async fn start_session(
    repo: &EventRepo,
    policy: &AccountPolicy,
    account_id: &str,
    provider: &str,
    now: i64,
) -> Result<SignedInSession, StoreError> {
    let cookie = random_token();
    let id_hash = session_hash(&cookie);
    let csrf = random_token();
    let expires_at = now + policy.session_seconds;
    repo.create_session(&id_hash, account_id, provider, &csrf, now, expires_at)
        .await?;
    let session = repo
        .session(&id_hash)
        .await?
        .ok_or_else(|| StoreError::Query(sqlx::Error::RowNotFound))?;
    Ok(SignedInSession { cookie, session })
}

/// How often a session's last request is written (the idle timeout's resolution).
const TOUCH_EVERY_SECONDS: i64 = 30;

/// The session behind a cookie, if it is still good: not revoked, not expired, not idle too
/// long, its account enabled. Notes the request for the idle timeout.
pub async fn current_session(
    repo: &EventRepo,
    policy: &AccountPolicy,
    cookie: &str,
    now: i64,
) -> Result<Option<SessionRow>, StoreError> {
    if cookie.len() != 64 || !cookie.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some(session) = repo.session(&session_hash(cookie)).await? else {
        return Ok(None);
    };
    let good = session.revoked_at.is_none()
        && now < session.expires_at
        && now - session.last_seen_at <= policy.idle_seconds
        && session.account.disabled_at.is_none()
        && parse_role(&session.account.role).is_some();
    if !good {
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_EVERY_SECONDS {
        repo.touch_session(&session.id_hash, now).await?;
    }
    Ok(Some(session))
}

/// Whether a token's claims may still be used: a token minted for an account only while that
/// account exists and is not disabled (a service token always, until it expires).
pub async fn token_still_valid(repo: &EventRepo, claims: &Claims) -> Result<bool, StoreError> {
    let Some(account) = claims.acct.as_deref() else {
        return Ok(true);
    };
    Ok(repo
        .account(account)
        .await?
        .is_some_and(|a| a.disabled_at.is_none()))
}

/// The principal of a signed-in person: the same [`Principal`] a bearer token gives, with
/// the account id as subject, so commands record them as the actor exactly as with tokens.
pub fn principal_of(session: &SessionRow) -> Option<Principal> {
    Some(Principal {
        claims: Claims {
            sub: session.account.id.clone(),
            role: parse_role(&session.account.role)?,
            department: session.account.department.clone(),
            iat: session.created_at,
            exp: session.expires_at,
            iss: "yangguang".into(),
            acct: Some(session.account.id.clone()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password(&a, "correct horse battery"));
        assert!(!verify_password(&a, "correct horse battery "));
        assert!(!verify_password("not a hash", "x"));
    }

    #[test]
    fn account_ids_and_passwords() {
        for ok in ["wang.li", "officer-7", "a1", "zhang_san"] {
            assert!(is_valid_account_id(ok), "{ok}");
        }
        for bad in ["", "a", "Wang", "-x", ".x", "王丽", "a b", &"a".repeat(41)] {
            assert!(!is_valid_account_id(bad), "{bad}");
        }
        assert!(password_problem("short").is_some());
        assert!(password_problem("long enough, 好").is_none());
        assert!(password_problem("with a tab\tinside").is_some());
        assert!(password_problem(&"x".repeat(257)).is_some());
    }

    #[test]
    fn a_session_id_is_stored_only_hashed() {
        let token = random_token();
        assert_eq!(token.len(), 64);
        assert_ne!(session_hash(&token), token);
        assert_eq!(session_hash(&token).len(), 64);
    }
}

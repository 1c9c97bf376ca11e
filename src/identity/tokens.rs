//! Bearer tokens signed with the deployment's key (HS256), carrying role and department.
//!
//! People will sign in with accounts later; both paths end in the same [`Principal`], which is
//! what commands record as their actor.
use std::fs;
use std::io::Write;
use std::path::Path;

use aggregates::{Actor, Role};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};

/// Token claims.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// Subject: a stable id of the person or program.
    pub sub: String,
    /// Role.
    pub role: Role,
    /// Department id (admins and officers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// Issuer.
    pub iss: String,
    /// The account this token speaks for, if it was minted for one (账户): the token is
    /// refused once that account is disabled. Service tokens (programs) have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acct: Option<String>,
}

const ISSUER: &str = "yangguang";

/// The deployment's token key.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// A second key derived from the secret, for data the server keeps sealed at rest
    /// (idempotency answers); never used to sign.
    sealing: [u8; 32],
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(..)")
    }
}

impl TokenKeys {
    /// Keys from a secret of at least 32 bytes.
    pub fn from_secret(secret: &[u8]) -> Self {
        use sha2::{Digest, Sha256};
        let sealing = Sha256::new()
            .chain_update(b"yangguang sealing key v1\0")
            .chain_update(secret)
            .finalize()
            .into();
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            sealing,
        }
    }

    /// The key for data sealed at rest, derived from the token secret (a rotation of the
    /// secret makes what was sealed before unreadable, which for 24-hour idempotency answers
    /// is acceptable).
    pub fn sealing_key(&self) -> &[u8; 32] {
        &self.sealing
    }

    /// Reads the key file, creating it with a fresh random key (mode 0600) if missing.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        if !path.exists() {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)?;
            }
            let mut secret = [0u8; 32];
            rand::rng().fill_bytes(&mut secret);
            // Write a private temporary file, then link it into place: the link either
            // creates the key file complete or fails because another process won the race,
            // so no reader ever sees a half-written key.
            let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
            let mut options = fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            {
                let mut file = options.open(&tmp)?;
                file.write_all(hex::encode(secret).as_bytes())?;
                file.sync_all()?;
            }
            let linked = fs::hard_link(&tmp, path);
            let _ = fs::remove_file(&tmp);
            match linked {
                Ok(()) => {}
                // Another process created it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e.into()),
            }
        }
        let text = fs::read_to_string(path)?;
        let secret = hex::decode(text.trim())
            .map_err(|_| anyhow::anyhow!("{} is not a hex key", path.display()))?;
        anyhow::ensure!(
            secret.len() >= 32,
            "{} holds a key shorter than 32 bytes",
            path.display()
        );
        Ok(Self::from_secret(&secret))
    }

    /// Mints a token.
    pub fn issue(
        &self,
        subject: &str,
        role: Role,
        department: Option<String>,
        ttl: chrono::Duration,
    ) -> anyhow::Result<String> {
        self.encode(subject, role, department, ttl, None)
    }

    /// Mints a token for a person's account (its id as the subject): it stops working as soon
    /// as the account is disabled.
    pub fn issue_for_account(
        &self,
        account_id: &str,
        role: Role,
        department: Option<String>,
        ttl: chrono::Duration,
    ) -> anyhow::Result<String> {
        self.encode(
            account_id,
            role,
            department,
            ttl,
            Some(account_id.to_owned()),
        )
    }

    fn encode(
        &self,
        subject: &str,
        role: Role,
        department: Option<String>,
        ttl: chrono::Duration,
        acct: Option<String>,
    ) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: subject.to_string(),
            role,
            department,
            iat: now,
            exp: now + ttl.num_seconds(),
            iss: ISSUER.into(),
            acct,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Verifies a token: signature, expiry, issuer.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.leeway = 30;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                jsonwebtoken::errors::ErrorKind::InvalidSignature => TokenError::BadSignature,
                _ => TokenError::Invalid,
            })
    }
}

/// Why a token was refused (the web layer answers 401 `invalid_token`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Past its expiry.
    #[error("the token has expired")]
    Expired,
    /// Not signed with this deployment's key.
    #[error("the token's signature is not valid")]
    BadSignature,
    /// Minted for an account that is disabled (or no longer exists).
    #[error("the account this token was issued for is disabled")]
    AccountDisabled,
    /// Malformed, or from another issuer.
    #[error("the token is not valid")]
    Invalid,
}

/// The caller lacks every role an operation needs (the web layer answers 403 `forbidden`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this needs the role {}", .0.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" or "))]
pub struct MissingRole(pub Vec<Role>);

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Claims of their token.
    pub claims: Claims,
}

impl Principal {
    /// As the actor of a command.
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.claims.sub.clone(),
            role: self.claims.role,
            department: self.claims.department.clone(),
        }
    }

    /// Requires one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), MissingRole> {
        if roles.contains(&self.claims.role) {
            Ok(())
        } else {
            Err(MissingRole(roles.to_vec()))
        }
    }

    /// Whether the caller may read a department's records: its admins and officers, and
    /// inspectors.
    pub fn can_read_department(&self, department: &str) -> bool {
        self.claims.role == Role::Inspector || self.claims.department.as_deref() == Some(department)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_verify_and_foreign_ones_do_not() {
        let keys = TokenKeys::from_secret(&[7u8; 32]);
        let other = TokenKeys::from_secret(&[8u8; 32]);
        let token = keys
            .issue(
                "officer-1",
                Role::Officer,
                Some("pudong-amr".into()),
                chrono::Duration::hours(1),
            )
            .unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.role, Role::Officer);
        assert_eq!(claims.department.as_deref(), Some("pudong-amr"));
        assert_eq!(other.verify(&token).unwrap_err(), TokenError::BadSignature);
        let expired = keys
            .issue("x", Role::Admin, None, chrono::Duration::hours(-2))
            .unwrap();
        assert_eq!(keys.verify(&expired).unwrap_err(), TokenError::Expired);
        assert_eq!(keys.verify("not.a.token").unwrap_err(), TokenError::Invalid);
    }
}

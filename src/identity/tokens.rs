//! Bearer tokens signed with the deployment's key (HS256), carrying role and department.
//!
//! People will sign in with accounts later; both paths end in the same [`Principal`], which is
//! what commands record as their actor.
use std::fs;
use std::io::Write;
use std::path::Path;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use aggregates::{Actor, Role};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::web::error::ApiError;

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
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: subject.to_string(),
            role,
            department,
            iat: now,
            exp: now + ttl.num_seconds(),
            iss: ISSUER.into(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Verifies a token: signature, expiry, issuer.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.leeway = 30;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| {
                let detail = match e.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => "the token has expired",
                    jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                        "the token's signature is not valid"
                    }
                    _ => "the token is not valid",
                };
                ApiError::new(
                    actix_web::http::StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    detail,
                )
            })
    }
}

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
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.claims.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this needs the role {}",
                roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )))
        }
    }

    /// Whether the caller may read a department's records: its admins and officers, and
    /// inspectors.
    pub fn can_read_department(&self, department: &str) -> bool {
        self.claims.role == Role::Inspector || self.claims.department.as_deref() == Some(department)
    }
}

fn bearer(req: &HttpRequest) -> Result<Option<&str>, ApiError> {
    let Some(value) = req.headers().get(actix_web::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not valid text"))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(ApiError::unauthorized(
            "use the Authorization header with the Bearer scheme",
        )),
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        std::future::ready((|| {
            let keys = req
                .app_data::<web::Data<TokenKeys>>()
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("token keys not configured")))?;
            let token = bearer(req)?.ok_or_else(|| {
                ApiError::unauthorized("this needs a bearer token (Authorization: Bearer ...)")
            })?;
            let claims = keys.verify(token)?;
            Ok(Principal { claims })
        })())
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
        assert_eq!(other.verify(&token).unwrap_err().code(), "invalid_token");
        let expired = keys
            .issue("x", Role::Admin, None, chrono::Duration::hours(-2))
            .unwrap();
        assert_eq!(keys.verify(&expired).unwrap_err().code(), "invalid_token");
    }
}

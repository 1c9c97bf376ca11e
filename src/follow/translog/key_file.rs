//! The log's Ed25519 seed in a file: created on first start with a fresh random key, the same
//! way the token key is (a private temporary file hard-linked into place, so two processes
//! starting together end up with one key and nobody reads a half-written file).
use std::fs;
use std::io::Write;
use std::path::Path;

use rand::RngCore;

/// Reads the 32-byte seed (hex) from `path`, creating the file (mode 0600) if missing.
pub fn load_or_create(path: &Path) -> anyhow::Result<[u8; 32]> {
    if !path.exists() {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        let mut seed = [0u8; 32];
        rand::rng().fill_bytes(&mut seed);
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
            file.write_all(hex::encode(seed).as_bytes())?;
            file.sync_all()?;
        }
        let linked = fs::hard_link(&tmp, path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e.into()),
        }
    }
    let text = fs::read_to_string(path)?;
    hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow::anyhow!("{} is not a 32-byte hex Ed25519 seed", path.display()))
}

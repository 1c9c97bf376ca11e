//! A real SMTP server for the notification tests: Python's aiosmtpd, from the virtual
//! environment `scripts/test` installs (`~/.cache/yangguang-smtpd`, or the Python named by
//! `YANGGUANG_TEST_SMTPD_PYTHON`), storing what it receives in a Maildir the tests read back.
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// A running SMTP server; stopped when dropped.
pub struct SmtpServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: TempDir,
    child: Child,
}

/// One message as received.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("YANGGUANG_TEST_SMTPD_PYTHON") {
        return PathBuf::from(p);
    }
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    PathBuf::from(format!("{home}/.cache/yangguang-smtpd/bin/python"))
}

impl SmtpServer {
    /// Starts a server on a free port and waits until it answers.
    pub fn start() -> SmtpServer {
        let python = python();
        assert!(
            python.exists(),
            "the notification tests need aiosmtpd at {} (CI={}): scripts/test installs it \
             (python3 -m venv ~/.cache/yangguang-smtpd && ~/.cache/yangguang-smtpd/bin/pip \
             install aiosmtpd==1.4.6)",
            python.display(),
            std::env::var("CI").unwrap_or_default()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("maildir"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpServer { port, dir, child }
    }

    /// `smtp://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far.
    pub fn mails(&self) -> Vec<Mail> {
        let new = self.dir.path().join("maildir").join("new");
        let Ok(entries) = std::fs::read_dir(new) else {
            return Vec::new();
        };
        let mut mails: Vec<(std::time::SystemTime, Mail)> = entries
            .filter_map(Result::ok)
            .map(|e| {
                let raw = std::fs::read(e.path()).unwrap();
                let parsed = mailparse::parse_mail(&raw).unwrap();
                use mailparse::MailHeaderMap;
                let header = |name: &str| parsed.headers.get_first_value(name).unwrap_or_default();
                (
                    e.metadata().unwrap().modified().unwrap(),
                    Mail {
                        to: header("To"),
                        subject: header("Subject"),
                        body: parsed.get_body().unwrap(),
                    },
                )
            })
            .collect();
        mails.sort_by_key(|(t, _)| *t);
        mails.into_iter().map(|(_, m)| m).collect()
    }

    /// Waits (at most 30 s) until a message whose subject contains `text` arrives.
    pub async fn wait_for(&self, text: &str) -> Mail {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(m) = self.mails().into_iter().find(|m| m.subject.contains(text)) {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "no mail about {text:?}; received: {:?}",
                self.mails().iter().map(|m| &m.subject).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! Log hygiene: the real binary, as deployed (`yangguang serve`, `RUST_LOG=debug`), through a
//! realistic session with a seeded party, error paths that quote personal data back in the
//! body, public lookups (the query code travels in the query string) and the officers' pages;
//! then its whole stderr is searched for the party's data, the query code, every bearer token
//! and the token key. None may appear, in either log format.
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use yangguang::engine::catalogue_file;

/// The seeded party: distinctive enough that any occurrence in the log is a leak.
const NAME: &str = "司马泄露测";
const PHONE: &str = "13700139457";
const ADDRESS: &str = "上海市浦东新区日志巷8848弄99号";
const EMAIL: &str = "sima-xielou-4711@example.com";
/// The part of [`EMAIL`] no log line may hold (its domain is everyone's).
const EMAIL_LOCAL: &str = "sima-xielou-4711";
const DEPARTMENT: &str = "log-dept";

/// An 18-digit resident ID with a valid check character, distinctive digits.
fn id_number() -> String {
    let base = "31011519870607482";
    "0123456789X"
        .chars()
        .map(|c| format!("{base}{c}"))
        .find(|id| aggregates::party::is_valid_resident_id(id))
        .unwrap()
}

fn command(data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yangguang"));
    cmd.current_dir(data_dir)
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .env_remove("YANGGUANG_DATABASE_URL")
        .env_remove("YANGGUANG_CONFIG")
        .env_remove("YANGGUANG_BIND")
        .env_remove("YANGGUANG_DATA_DIR")
        .env_remove("YANGGUANG_TOKEN_KEY_FILE");
    cmd
}

fn issue(data_dir: &Path, role: &str, department: Option<&str>, subject: &str) -> String {
    let mut cmd = command(data_dir);
    cmd.args(["token", "issue", "--role", role, "--subject", subject])
        .arg("--data-dir")
        .arg(data_dir);
    if let Some(d) = department {
        cmd.args(["--department", d]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// `yangguang users add NAME --role officer --department DEPARTMENT`, the password on stdin.
fn add_user(data_dir: &Path, name: &str, password: &str) {
    use std::io::Write;
    let mut child = command(data_dir)
        .args([
            "users",
            "add",
            name,
            "--role",
            "officer",
            "--department",
            DEPARTMENT,
        ])
        .arg("--data-dir")
        .arg(data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The server as a child process, its stderr captured line by line.
struct Server {
    child: Child,
    log: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
    address: String,
}

impl Server {
    fn start(data_dir: &Path, format: &str) -> Server {
        Self::start_with(data_dir, format, &[])
    }

    fn start_with(data_dir: &Path, format: &str, extra: &[&str]) -> Server {
        let mut child = command(data_dir)
            .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .env("RUST_LOG", "debug")
            .env("YANGGUANG_LOG_FORMAT", format)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (port_tx, port_rx) = mpsc::channel();
        let reader = {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut port_tx = Some(port_tx);
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    if line.contains("serving")
                        && let Some(port) = port_of(&line)
                        && let Some(tx) = port_tx.take()
                    {
                        let _ = tx.send(port);
                    }
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            })
        };
        let port = match port_rx.recv_timeout(Duration::from_secs(60)) {
            Ok(port) => port,
            Err(_) => {
                let _ = child.kill();
                panic!("the server did not start:\n{}", log.lock().unwrap());
            }
        };
        Server {
            child,
            log,
            reader: Some(reader),
            address: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Stops the server (SIGTERM, a graceful stop) and returns everything it logged.
    fn stop(mut self) -> String {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: signals our own child process, which has not been reaped yet.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        for _ in 0..150 {
            if self.child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if self.child.try_wait().unwrap().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.reader.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The port in the "serving" line, text (`port=123`) or JSON (`"port":123`).
fn port_of(line: &str) -> Option<u16> {
    let at = line.find("port")? + "port".len();
    let digits: String = line[at..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Drives one realistic session; returns the secrets that must not be logged.
async fn session(address: &str, data_dir: &Path) -> Vec<(String, String)> {
    let admin = issue(data_dir, "admin", Some(DEPARTMENT), "log-admin");
    let alice = issue(data_dir, "officer", Some(DEPARTMENT), "log-alice");
    let bob = issue(data_dir, "officer", Some(DEPARTMENT), "log-bob");
    let inspector = issue(data_dir, "inspector", None, "log-inspector");
    let id_number = id_number();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = |path: &str| format!("{address}{path}");
    let post = |path: &str, token: &str, body: &Value| {
        http.post(url(path)).bearer_auth(token).json(body).send()
    };
    let raw = |path: &str, token: &str, body: String| {
        http.post(url(path))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    // The catalogue: register and publish the licence power.
    let file = catalogue_file::parse(catalogue_file::DEMO_CATALOGUE).unwrap();
    let entry = file
        .powers
        .iter()
        .find(|p| p.name == "食品经营许可")
        .unwrap();
    let r = post(
        "/api/v1/powers",
        &admin,
        &json!({"code": "LOG-XK-001", "name": entry.name, "category": entry.category,
                "department": DEPARTMENT, "department_name": "日志测试局"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = post(
        "/api/v1/powers/LOG-XK-001/versions",
        &admin,
        &serde_json::to_value(&entry.version).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);

    // A case with the seeded party.
    let party = json!({"kind": "person", "name": NAME, "id_number": id_number,
                       "phone": PHONE, "address": ADDRESS});
    let r = post(
        "/api/v1/cases",
        &alice,
        &json!({"power_code": "LOG-XK-001", "party": party, "channel": "window",
                "received_at": chrono::Utc::now().to_rfc3339()}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let opened: Value = r.json().await.unwrap();
    let id = opened["id"].as_str().unwrap().to_string();
    let code = opened["query_code"].as_str().unwrap().to_string();

    // Steps, with notes quoting the party, and the clock.
    let step = |token: &str, outcome: &str, version: u64| {
        post(
            &format!("/api/v1/cases/{id}/steps"),
            token,
            &json!({"outcome": outcome, "expected_version": version,
                    "note": format!("已电话联系 {NAME}（{PHONE}）")}),
        )
    };
    let r = step(&alice, "受理", 1).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = post(
        &format!("/api/v1/cases/{id}/clock"),
        &alice,
        &json!({"action": "pause", "reason": format!("等待 {NAME} 到场，地址 {ADDRESS}")}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = post(
        &format!("/api/v1/cases/{id}/clock"),
        &alice,
        &json!({"action": "resume", "reason": "已到场"}),
    )
    .await
    .unwrap();
    let v = r.json::<Value>().await.unwrap()["version"]
        .as_u64()
        .unwrap();
    let r = step(&alice, "书面审查符合条件", v).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v = r.json::<Value>().await.unwrap()["version"]
        .as_u64()
        .unwrap();

    // Error paths whose bodies quote the personal data (and whose answers may echo it).
    let r = step(&alice, "准予许可", v).await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "separation of duties"
    );
    let r = step(&bob, NAME, v).await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "no such outcome"
    );
    let r = step(&bob, "准予许可", v + 7).await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    for body in [
        // Wrong types and unknown variants: serde quotes the value.
        format!(r#"{{"outcome": "受理", "expected_version": "{id_number}"}}"#),
        format!(
            r#"{{"power_code": "LOG-XK-001", "channel": "{PHONE}", "received_at": "{ADDRESS}",
                 "party": {{"kind": "{NAME}", "name": "{NAME}", "id_number": "{id_number}"}}}}"#
        ),
        // Unknown fields named after the data, broken JSON, a NUL in the name.
        format!(r#"{{"{NAME}": "{id_number}", "outcome": "x", "expected_version": 1}}"#),
        format!(r#"{{"power_code": "LOG-XK-001", "party": {{"name": "{NAME}", "phone": "{PHONE}""#),
        format!(
            r#"{{"power_code": "LOG-XK-001", "channel": "window",
                 "received_at": "2026-03-06T09:00:00+08:00",
                 "party": {{"kind": "person", "name": "{NAME}\u0000", "id_number": "{id_number}",
                           "phone": "{PHONE}", "address": "{ADDRESS}"}}}}"#
        ),
        // A party whose ID number is refused (422 with problems).
        format!(
            r#"{{"power_code": "LOG-XK-001", "channel": "window",
                 "received_at": "2026-03-06T09:00:00+08:00",
                 "party": {{"kind": "organisation", "name": "{NAME}", "id_number": "{id_number}",
                           "phone": "{ADDRESS}", "address": "{ADDRESS}"}}}}"#
        ),
    ] {
        for path in [
            "/api/v1/cases".to_string(),
            format!("/api/v1/cases/{id}/steps"),
        ] {
            let r = raw(&path, &alice, body.clone()).await.unwrap();
            assert!(r.status().is_client_error(), "{path}: {}", r.status());
        }
    }
    // Refused tokens: the inspector writing, a token of another key, a garbled one.
    let r = step(&inspector, "准予许可", v).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let forged = format!("{}x", &alice[..alice.len() - 1]);
    let r = step(&forged, "准予许可", v).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Officers read the case, its events and the worklist (all full of personal data).
    for path in [
        format!("/api/v1/cases/{id}"),
        format!("/api/v1/cases/{id}/events"),
        "/api/v1/worklist".to_string(),
    ] {
        let r = http.get(url(&path)).bearer_auth(&bob).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    let r = step(&bob, "准予许可", v).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // The public: lookups with the right code and wrong ones, searches for the name.
    let last = if code.ends_with('Z') { 'Y' } else { 'Z' };
    let wrong = format!("{}{last}", &code[..code.len() - 1]);
    for c in [&code, &wrong, &code.to_lowercase()] {
        let _ = http
            .get(url(&format!("/api/v1/public/cases/{id}?code={c}")))
            .send()
            .await
            .unwrap();
        let _ = http
            .get(url(&format!("/track?no={id}&code={c}")))
            .send()
            .await
            .unwrap();
    }
    let r = http
        .get(url(&format!("/api/v1/public/cases/{id}?code={code}")))
        .send()
        .await
        .unwrap();
    let public = r.text().await.unwrap();
    assert!(public.contains(&id));
    for secret in [NAME, PHONE, ADDRESS, &id_number, &code] {
        assert!(
            !public.contains(secret),
            "the public view shows {secret}: {public}"
        );
    }
    for path in [
        format!("/?q={NAME}"),
        format!("/api/v1/powers?q={PHONE}"),
        format!("/api/v1/public/cases/{id}?code={code}&name={NAME}"),
        format!("/track?no={id_number}&code={code}"),
    ] {
        let _ = http.get(url(&path)).send().await.unwrap();
    }

    // The console: an account made with `users add` (password on stdin), a wrong password, a
    // sign-in, the worklist and a step by form, a forged session.
    let password = "log-secret-passphrase-4711";
    add_user(data_dir, "log-carol", password);
    let r = crate::helpers::post_sign_in(address, "log-carol", "log-wrong-passphrase-0815").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let console = crate::helpers::sign_in(address, "log-carol", password).await;
    let r = http
        .get(url(&format!("/officer/worklist?power={NAME}")))
        .header("cookie", &console.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = http
        .get(url("/officer/worklist?status=concluded"))
        .header("cookie", &console.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.text().await.unwrap().contains(NAME),
        "officers see the name"
    );
    let r = http
        .get(url(&format!("/officer/cases/{id}")))
        .header("cookie", &console.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = http
        .post(url("/officer/cases"))
        .header("cookie", &console.cookie)
        .form(&[
            ("csrf", console.csrf.as_str()),
            ("power", "LOG-XK-001"),
            ("kind", "person"),
            ("name", NAME),
            ("id_number", "110105194912310021"),
            ("phone", PHONE),
            ("address", ADDRESS),
            ("channel", "window"),
            ("received_at", "2026-03-06T09:00"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a bad check digit"
    );
    let forged_session = format!("yg_session={}", "ab".repeat(32));
    let r = http
        .get(url("/officer/worklist"))
        .header("cookie", &forged_session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // 网上申请 with the same party, an e-mail address and the phone as a mobile number: the
    // application (its file named after the party), a refused upload, and the text message the
    // logging gateway writes about (masked).
    let application = json!({"power_code": "LOG-XK-001", "party": party,
                             "contact": {"email": EMAIL, "mobile": PHONE}, "file_materials": [0]});
    let fixture = |name: &str| {
        std::fs::read(format!(
            "{}/tests/fixtures/materials/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let upload = |bytes: Vec<u8>| {
        reqwest::multipart::Form::new()
            .text("application", application.to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(format!("{NAME}的申请书.pdf")),
            )
    };
    let r = http
        .post(url("/api/v1/public/applications"))
        .multipart(upload(fixture("application.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let online: Value = r.json().await.unwrap();
    let online_code = online["query_code"].as_str().unwrap().to_string();
    let r = http
        .post(url("/api/v1/public/applications"))
        .multipart(upload(fixture("encrypted.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Time for the notifier to queue and "send" the text message of the application.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;

    let key = std::fs::read_to_string(data_dir.join("token.key")).unwrap();
    vec![
        ("e-mail address".into(), EMAIL_LOCAL.into()),
        ("online query code".into(), online_code),
        ("party name".into(), NAME.into()),
        ("ID number".into(), id_number),
        ("phone".into(), PHONE.into()),
        ("address".into(), ADDRESS.into()),
        ("part of the address".into(), "日志巷8848弄".into()),
        ("query code".into(), code.clone()),
        ("query code (lower case)".into(), code.to_lowercase()),
        ("wrong query code".into(), wrong),
        ("admin token".into(), admin),
        ("officer token".into(), alice),
        ("second officer token".into(), bob),
        ("inspector token".into(), inspector),
        ("forged token".into(), forged),
        ("account password".into(), password.into()),
        ("session id".into(), console.session_id.clone()),
        ("CSRF token".into(), console.csrf.clone()),
        ("token key".into(), key.trim().to_string()),
    ]
}

/// `secret` in any of the forms it could take in a log: as is, percent-encoded (a logged URL),
/// JSON-escaped (`\uXXXX`), or, for tokens, its signature alone.
fn forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_string()];
    let encoded: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    forms.push(encoded);
    let escaped: String = secret
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                format!("\\u{:04x}", c as u32)
            }
        })
        .collect();
    forms.push(escaped);
    if let Some((_, signature)) = secret.rsplit_once('.') {
        forms.push(signature.to_string());
    }
    forms
}

#[tokio::test]
async fn the_server_log_holds_no_personal_data_codes_tokens_or_keys() {
    for format in ["text", "json"] {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::start(dir.path(), format);
        let secrets = session(&server.address, dir.path()).await;
        let log = server.stop();
        let mut leaks = Vec::new();
        for (what, secret) in &secrets {
            for form in forms(secret) {
                if let Some(at) = log.find(&form) {
                    let start = log[..at].rfind('\n').map_or(0, |i| i + 1);
                    let end = log[at..].find('\n').map_or(log.len(), |i| at + i);
                    leaks.push(format!("{what} ({form}) in: {}", &log[start..end]));
                }
            }
        }
        assert!(
            leaks.is_empty(),
            "{format}: {} leaks ({} log lines):\n{}",
            leaks.len(),
            log.lines().count(),
            leaks.join("\n")
        );
        // The log is real: debug lines, request spans, refusals with their stable codes.
        assert!(log.contains("DEBUG"), "{format}: {log}");
        assert!(log.contains("HTTP request"), "{format}: {log}");
        assert!(log.contains("request refused"), "{format}: {log}");
        assert!(
            log.contains("137****9457"),
            "{format}: the text message, masked: {log}"
        );
        for code in [
            "not_found",
            "invalid_token",
            "malformed_json",
            "separation_of_duties",
        ] {
            assert!(log.contains(code), "{format}: no {code} in {log}");
        }
        println!(
            "{format}: {} log lines, {} bytes, no leak of {} secrets",
            log.lines().count(),
            log.len(),
            secrets.len()
        );
    }
}

/// Security finding 10: `serve --demo` under a service manager (standard error is not a
/// terminal) writes the demo accounts' passwords to a file only its owner may read, and its
/// log names the file, never a password; the passwords in the file sign in.
#[tokio::test]
async fn demo_passwords_go_to_an_owner_only_file_not_to_the_log() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), "json", &["--demo"]);
    let file = dir.path().join(yangguang::startup::DEMO_PASSWORDS_FILE);
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{}", file.display());
    let text = std::fs::read_to_string(&file).unwrap();
    let mut passwords = Vec::new();
    for (name, ..) in yangguang::startup::DEMO_ACCOUNTS {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} in {text}"));
        let password = line.split_whitespace().nth(1).unwrap().to_owned();
        // The password in the file is the account's.
        crate::helpers::sign_in(&server.address, name, &password).await;
        passwords.push(password);
    }
    let log = server.stop();
    assert!(
        log.contains(yangguang::startup::DEMO_PASSWORDS_FILE),
        "{log}"
    );
    for password in &passwords {
        assert!(
            !log.contains(password.as_str()),
            "a demo password in the log:\n{log}"
        );
    }
}

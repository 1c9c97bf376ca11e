//! The browser side: a chromedriver process (killed with its whole process group on drop), one
//! headless Chromium session, page helpers, and failure artifacts.
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tempfile::TempDir;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long a page element or a navigation may take to appear.
pub const WAIT: Duration = Duration::from_secs(10);

/// The chromedriver process. It runs in a process group of its own, so dropping the guard also
/// ends any Chromium it started, on success and on panic alike.
struct Chromedriver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Chromedriver {
    fn start(dir: &Path) -> Chromedriver {
        // chromedriver refuses --port=0: take a free port from the kernel, then hand it over.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("no free local port for chromedriver")
            .port();
        let log = dir.join("chromedriver.log");
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {CHROMEDRIVER}: {e}"));
        Chromedriver { child, port, log }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Polls `/status` until chromedriver says it is ready.
    async fn wait_ready(&mut self) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("chromedriver exited early ({status}):\n{}", self.log_tail());
            }
            if let Ok(r) = http.get(format!("{}/status", self.url())).send().await
                && let Ok(body) = r.json::<Value>().await
                && body["value"]["ready"] == true
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on port {} within 20 s:\n{}",
                self.port,
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // The group id is chromedriver's own pid (process_group(0)); this ends exactly the
        // processes this test started.
        let pgid = self.child.id() as libc::pid_t;
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// A headless Chromium session driven through chromedriver.
pub struct Browser {
    pub client: Client,
    driver: Chromedriver,
    // Dropped after `driver`: Chromium's profile directory and chromedriver's log.
    _dir: TempDir,
}

impl Browser {
    /// Starts chromedriver and opens a session. Fails, never skips, when Chromium is missing.
    pub async fn start() -> Browser {
        let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
            .into_iter()
            .filter(|p| !Path::new(p).exists())
            .collect();
        assert!(
            missing.is_empty(),
            "the browser tests need Chromium and chromedriver, missing: {missing:?} \
             (CI={}). Install them with `apt-get install chromium chromium-driver` \
             (scripts/test does this).",
            std::env::var("CI").unwrap_or_default()
        );
        let dir = tempfile::tempdir().unwrap();
        let profile = dir.path().join("profile");
        std::fs::create_dir_all(&profile).unwrap();
        let mut driver = Chromedriver::start(dir.path());
        driver.wait_ready().await;

        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--window-size=1280,1024",
                    "--lang=zh-CN",
                    format!("--user-data-dir={}", profile.display()),
                ],
                // The public these pages serve: a browser asking for Chinese. (The pages
                // follow Accept-Language when no `?lang=` is given.)
                "prefs": { "intl.accept_languages": "zh-CN,zh" },
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let client = tokio::time::timeout(
            Duration::from_secs(60),
            ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities)
                .connect(&driver.url()),
        )
        .await
        .unwrap_or_else(|_| panic!("no Chromium session within 60 s:\n{}", driver.log_tail()))
        .unwrap_or_else(|e| panic!("chromedriver refused a session: {e}\n{}", driver.log_tail()));
        Browser {
            client,
            driver,
            _dir: dir,
        }
    }

    fn artifacts_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/artifacts")
    }

    /// Removes a scenario's artifacts left by an earlier failing run.
    pub fn remove_artifacts(&self, name: &str) {
        for ext in ["png", "html"] {
            let _ = std::fs::remove_file(Self::artifacts_dir().join(format!("{name}.{ext}")));
        }
    }

    /// Saves a screenshot and the page source as `tests/artifacts/<name>.png` and `.html`.
    /// Returns where they went; problems are reported, never raised.
    pub async fn save_artifacts(&self, name: &str) -> String {
        let dir = Self::artifacts_dir();
        if let Err(e) = std::fs::create_dir_all(&dir) {
            return format!("could not create {}: {e}", dir.display());
        }
        let limit = Duration::from_secs(10);
        let mut notes = Vec::new();
        let png = dir.join(format!("{name}.png"));
        match tokio::time::timeout(limit, self.client.screenshot()).await {
            Ok(Ok(bytes)) => match std::fs::write(&png, bytes) {
                Ok(()) => notes.push(png.display().to_string()),
                Err(e) => notes.push(format!("{}: {e}", png.display())),
            },
            Ok(Err(e)) => notes.push(format!("no screenshot: {e}")),
            Err(_) => notes.push("no screenshot: timed out".into()),
        }
        let html = dir.join(format!("{name}.html"));
        let url = match tokio::time::timeout(limit, self.client.current_url()).await {
            Ok(Ok(url)) => url.to_string(),
            _ => "(unknown)".into(),
        };
        match tokio::time::timeout(limit, self.client.source()).await {
            Ok(Ok(source)) => {
                let text = format!("<!-- {url} -->\n{source}");
                match std::fs::write(&html, text) {
                    Ok(()) => notes.push(html.display().to_string()),
                    Err(e) => notes.push(format!("{}: {e}", html.display())),
                }
            }
            Ok(Err(e)) => notes.push(format!("no page source: {e}")),
            Err(_) => notes.push("no page source: timed out".into()),
        }
        format!("at {url}; saved {}", notes.join(", "))
    }

    /// Ends the session (Chromium quits), then chromedriver.
    pub async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
        drop(self.driver);
    }
}

/// What a scenario works with: the browser, the server and the seeded case.
#[derive(Clone)]
pub struct Ctx {
    pub client: Client,
    pub http: reqwest::Client,
    pub base: String,
    pub tracking_no: String,
    pub query_code: String,
}

impl Ctx {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn goto(&self, path: &str) {
        let url = self.url(path);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("could not open {url}: {e}"));
    }

    /// The element matching `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => panic!("no `{css}` on {}: {e}", self.current_url().await),
        }
    }

    /// Every element matching `css` right now (none is fine).
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("looking for `{css}` failed: {e}"))
    }

    /// The visible text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        element
            .text()
            .await
            .unwrap_or_else(|e| panic!("no text for `{css}`: {e}"))
    }

    /// Runs a script and returns what it returns.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    pub async fn current_url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_else(|e| format!("(unknown url: {e})"))
    }

    pub async fn source(&self) -> String {
        self.client
            .source()
            .await
            .unwrap_or_else(|e| panic!("no page source: {e}"))
    }

    /// Clears the field matching `css` and types `text` into it, as a user would.
    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field
            .clear()
            .await
            .unwrap_or_else(|e| panic!("cannot clear `{css}`: {e}"));
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into `{css}`: {e}"));
    }

    /// Clicks the element matching `css` and waits until a new page has loaded.
    pub async fn click_and_wait(&self, css: &str) {
        let element = self.find(css).await;
        self.click_element_and_wait(&element, css).await;
    }

    /// Clicks `element` (described by `what`) and waits until a new document has replaced the
    /// current one and finished loading.
    pub async fn click_element_and_wait(&self, element: &Element, what: &str) {
        self.js("window.__ygOldPage = true;", vec![]).await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click `{what}`: {e}"));
        let deadline = Instant::now() + WAIT;
        loop {
            // During navigation a script may fail; that only means "not yet".
            let loaded = self
                .client
                .execute(
                    "return window.__ygOldPage !== true && document.readyState === 'complete';",
                    vec![],
                )
                .await;
            if matches!(loaded, Ok(Value::Bool(true))) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "clicking `{what}` loaded no new page within {WAIT:?} (still at {})",
                self.current_url().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The request the form matching `css` would send as it is filled in now, sent with
    /// reqwest instead of the browser: returns the HTTP status.
    pub async fn submit_form_over_http(&self, css: &str) -> reqwest::StatusCode {
        self.find(css).await;
        let form = self
            .js(
                "const f = document.querySelector(arguments[0]);
                 return [f.method, f.action, new URLSearchParams(new FormData(f)).toString()];",
                vec![json!(css)],
            )
            .await;
        let method = form[0].as_str().unwrap_or("get").to_lowercase();
        let mut action = reqwest::Url::parse(form[1].as_str().unwrap())
            .unwrap_or_else(|e| panic!("`{css}` has a bad action {}: {e}", form[1]));
        let fields = form[2].as_str().unwrap().to_string();
        let request = if method == "post" {
            self.http
                .post(action.as_str())
                .header("content-type", "application/x-www-form-urlencoded")
                .body(fields)
        } else {
            action.set_query(Some(&fields));
            self.http.get(action.as_str())
        };
        request
            .send()
            .await
            .unwrap_or_else(|e| panic!("sending `{css}` over HTTP failed: {e}"))
            .status()
    }
}

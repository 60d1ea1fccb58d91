//! A chat-completions server on loopback for the LLM tests: it answers each
//! `POST …/chat/completions` with the next scripted answer, answers anything else with 404,
//! and records every request it is sent (request line, headers, body), so a test can tell
//! what left nfai and whether anything else (a fetch a model planted) reached it.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::nfai;

pub struct ChatServer {
    /// `http://127.0.0.1:PORT/v1`
    pub url: String,
    /// `127.0.0.1:PORT`
    pub addr: String,
    requests: Arc<Mutex<Vec<String>>>,
    answers: Arc<Mutex<VecDeque<String>>>,
}

impl ChatServer {
    /// Every request received so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// The fix requests (chat completions that are not explanations).
    pub fn fix_requests(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|r| r.starts_with("POST /v1/chat/completions ") && !r.contains(EXPLAIN_MARK))
            .collect()
    }

    /// The requests that were not chat completions: what a planted fetch would send.
    pub fn other_requests(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|r| !r.starts_with("POST /v1/chat/completions "))
            .collect()
    }
}

/// What tells an explanation request (the name of its answer schema).
const EXPLAIN_MARK: &str = "nfai_explain";
/// The explanation the server gives.
const EXPLANATION: &str = "{\"explanation\": \"The name is misspelt.\"}";

/// How long a server keeps accepting connections; it stops by itself.
const LIFETIME: Duration = Duration::from_secs(300);
/// The most connections one server accepts.
const MAX_CONNECTIONS: usize = 64;

/// A server answering with `answers`, in order.
pub fn chat_server(answers: Vec<String>) -> ChatServer {
    let server = start();
    server.answers.lock().unwrap().extend(answers);
    server
}

/// A server whose one answer is made from its own address (`127.0.0.1:PORT`), for answers
/// that plant URLs pointing back at it.
pub fn chat_server_answering(make: impl FnOnce(&str) -> String) -> ChatServer {
    let server = start();
    server.answers.lock().unwrap().push_back(make(&server.addr));
    server
}

fn start() -> ChatServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let url = format!("http://{addr}/v1");
    let requests = Arc::new(Mutex::new(Vec::new()));
    let answers = Arc::new(Mutex::new(VecDeque::new()));
    let seen = Arc::clone(&requests);
    let script = Arc::clone(&answers);
    std::thread::spawn(move || {
        let start = Instant::now();
        let mut served = 0;
        while served < MAX_CONNECTIONS && start.elapsed() < LIFETIME {
            let stream = match listener.accept() {
                Ok((s, _)) => s,
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
            };
            served += 1;
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                head.push_str(&line);
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let chat = head.starts_with("POST /v1/chat/completions ");
            seen.lock()
                .unwrap()
                .push(format!("{head}\n{}", String::from_utf8_lossy(&body)));
            let mut stream = stream;
            // Explanations get a canned answer; fix requests the script, then no proposals.
            let explain = String::from_utf8_lossy(&body).contains(EXPLAIN_MARK);
            let next = match (chat, explain) {
                (false, _) => None,
                (true, true) => Some(EXPLANATION.to_owned()),
                (true, false) => Some(
                    script
                        .lock()
                        .unwrap()
                        .pop_front()
                        .unwrap_or_else(|| "{\"proposals\": []}".to_owned()),
                ),
            };
            if let Some(status) = next.as_deref().and_then(|a| a.strip_prefix("HTTP ")) {
                let body =
                    json!({"error": {"message": format!("scripted {status}"), "type": "test"}})
                        .to_string();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} Scripted\r\nContent-Type: application/json\r\nRetry-After: 1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                continue;
            }
            if next.as_deref() == Some("TRUNCATE") {
                // Promises more than it sends, then hangs up.
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n{{\"choices\": [{{\"message"
                );
                continue;
            }
            if head.starts_with("GET /v1/models ") {
                let body = json!({"object": "list", "data": [{"id": "model-a", "object": "model"}, {"id": "model-b", "object": "model"}]}).to_string();
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                continue;
            }
            let reply = match next {
                Some(answer) => json!({
                    "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "test",
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": answer}}]
                })
                .to_string(),
                None => {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                    continue;
                }
            };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    ChatServer {
        url,
        addr,
        requests,
        answers,
    }
}

/// nfai with the loopback server reachable directly, whatever proxy or LLM settings the
/// machine has, and a cache and config directory of its own (empty).
pub fn nfai_direct() -> assert_cmd::Command {
    static BASE: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let base = BASE.get_or_init(|| tempfile::tempdir().unwrap()).path();
    let run = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut cmd = nfai();
    cmd.env("XDG_CACHE_HOME", base.join(format!("cache-{run}")))
        .env("XDG_CONFIG_HOME", base.join("config"));
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NFAI_LLM_URL",
        "NFAI_LLM_MODEL",
        "NFAI_LLM_API_KEY",
        "NFAI_API_KEY",
        "NFAI_LLM",
        "NFAI_LLM_COMMAND",
        "OPENAI_API_KEY",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_PROXY", "127.0.0.1,localhost");
    cmd
}

/// `nfai explain-failure --format json` asking `server` (model `m`); tests add the rest.
pub fn explain_with(server: &ChatServer) -> assert_cmd::Command {
    let mut cmd = nfai_direct();
    cmd.args(["explain-failure", "--format", "json", "--llm", "openai"])
        .args(["--llm-url", &server.url, "--llm-model", "m"]);
    cmd
}

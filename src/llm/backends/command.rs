//! A user's own program as the backend (`--llm-command "my-agent --json"`): nfai's prompt as
//! JSON on its standard input, the answer on its standard output, within the request
//! timeout. Lets any local CLI model or agent plug in.

use std::process::Stdio;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::llm::{Backend, Completion, LlmError, Prompt, Settings, MAX_ANSWER_BYTES};

pub struct CommandBackend;

impl Backend for CommandBackend {
    fn id(&self) -> &'static str {
        "command"
    }

    fn about(&self) -> &'static str {
        "a program of yours: the prompt as JSON on stdin, the answer on stdout (--llm-command)"
    }

    fn complete<'a>(&'a self, settings: &'a Settings, prompt: &'a Prompt) -> Completion<'a> {
        Box::pin(async move {
            let line = settings.command.as_deref().ok_or_else(|| {
                LlmError::Config("a program (--llm-command or NFAI_LLM_COMMAND)".into())
            })?;
            let words = split_words(line).ok_or_else(|| {
                LlmError::Config(format!(
                    "a --llm-command that parses: `{line}` has an open quote"
                ))
            })?;
            let (program, args) = words
                .split_first()
                .ok_or_else(|| LlmError::Config("a non-empty --llm-command".into()))?;
            let mut child = tokio::process::Command::new(program)
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| LlmError::Request(format!("cannot run `{program}`: {e}")))?;
            let input = serde_json::to_vec(prompt).map_err(|e| LlmError::Request(e.to_string()))?;
            let mut stdin = child.stdin.take().expect("stdin is piped");
            let mut stdout = child.stdout.take().expect("stdout is piped");
            let work = async {
                // Written while the answer is read, so neither side can fill its pipe and stall.
                let write = async {
                    let _ = stdin.write_all(&input).await;
                    drop(stdin);
                };
                let read = async {
                    let mut out = Vec::new();
                    (&mut stdout)
                        .take(MAX_ANSWER_BYTES as u64 + 1)
                        .read_to_end(&mut out)
                        .await
                        .map(|_| out)
                };
                let ((), out) = tokio::join!(write, read);
                let out = out?;
                let status = child.wait().await?;
                Ok::<_, std::io::Error>((status, out))
            };
            let (status, out) = tokio::time::timeout(settings.timeout, work)
                .await
                .map_err(|_| {
                    LlmError::Request(format!(
                        "`{program}` did not answer within {}s",
                        settings.timeout.as_secs()
                    ))
                })?
                .map_err(|e| LlmError::Request(format!("`{program}`: {e}")))?;
            if !status.success() {
                return Err(LlmError::Request(format!("`{program}` failed ({status})")));
            }
            String::from_utf8(out)
                .map_err(|_| LlmError::Answer("the program's answer is not UTF-8".into()))
        })
    }
}

/// Splits a command line into words: whitespace separates, single and double quotes group.
fn split_words(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_with(String::new).push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    if quote.is_some() {
        return None;
    }
    words.extend(word);
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::split_words;

    #[test]
    fn words_and_quotes() {
        assert_eq!(
            split_words("my-agent --json").unwrap(),
            ["my-agent", "--json"]
        );
        assert_eq!(
            split_words("sh -c 'cat; echo \"x y\"'").unwrap(),
            ["sh", "-c", "cat; echo \"x y\""]
        );
        assert_eq!(split_words("a ''").unwrap(), ["a", ""]);
        assert!(split_words("a 'b").is_none());
    }
}

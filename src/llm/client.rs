//! One conversation with the chosen backend for a run: answers come from the cache when the
//! same request was answered before, every exchange is recorded when asked, an answer that
//! does not parse is asked again once with the parse error, and every request has the
//! configured timeout.

use super::transcript::{cache_key, Cache, Exchange, Transcript};
use super::{parse_answer, Backend, LlmError, Prompt, Proposal, Settings};

pub struct Client {
    pub backend: &'static dyn Backend,
    pub settings: Settings,
    cache: Option<Cache>,
    /// Every exchange so far (written out by the command layer with `--record`).
    pub transcript: Transcript,
    pub round: usize,
}

impl Client {
    pub fn new(
        backend: &'static dyn Backend,
        settings: Settings,
        job: &str,
        use_cache: bool,
    ) -> Client {
        // A replayed answer is already local; caching it would only hide a changed transcript.
        let cache = (use_cache && backend.id() != "replay")
            .then(Cache::open)
            .flatten();
        Client {
            backend,
            settings,
            cache,
            transcript: Transcript::new(job),
            round: 1,
        }
    }

    /// The raw answer to `prompt`.
    pub async fn ask(&mut self, prompt: &Prompt) -> Result<String, LlmError> {
        let key = cache_key(
            self.backend.id(),
            self.settings.model.as_deref(),
            self.settings.url.as_deref(),
            prompt,
        );
        let cached = self.cache.as_ref().and_then(|c| c.get(&key));
        let answer = match cached {
            Some(a) => a,
            None => {
                let answer = tokio::time::timeout(
                    self.settings.timeout,
                    self.backend.complete(&self.settings, prompt),
                )
                .await
                .map_err(|_| {
                    LlmError::Request(format!(
                        "no answer within {}s",
                        self.settings.timeout.as_secs()
                    ))
                })??;
                if let Some(c) = &self.cache {
                    c.put(&key, &answer);
                }
                answer
            }
        };
        self.transcript.exchanges.push(Exchange {
            backend: self.backend.id().to_owned(),
            model: self.settings.model.clone(),
            round: self.round,
            request: prompt.clone(),
            answer: answer.clone(),
        });
        Ok(answer)
    }

    /// Fix proposals; an answer that does not parse is asked again once, with the reason.
    pub async fn proposals(&mut self, prompt: &Prompt) -> Result<Vec<Proposal>, LlmError> {
        self.parsed(prompt, parse_answer).await
    }

    /// The answer to `prompt` as `parse` reads it; an answer that does not parse is asked
    /// again once, with the reason.
    pub async fn parsed<T>(
        &mut self,
        prompt: &Prompt,
        parse: impl Fn(&str) -> Result<T, LlmError>,
    ) -> Result<T, LlmError> {
        let first = self.ask(prompt).await?;
        match parse(&first) {
            Ok(p) => Ok(p),
            Err(LlmError::Answer(why)) if first.len() <= super::MAX_ANSWER_BYTES => {
                let mut again = prompt.clone();
                again.user.push_str(&format!(
                    "\n\nYour previous answer could not be read ({why}). Answer with the JSON object only."
                ));
                parse(&self.ask(&again).await?)
            }
            Err(e) => Err(e),
        }
    }

    /// A plain-language explanation (the `explain` task's answer).
    pub async fn explanation(&mut self, prompt: &Prompt) -> Result<String, LlmError> {
        let answer = self.ask(prompt).await?;
        let object = super::json_object(&answer)?;
        object["explanation"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| LlmError::Answer("no `explanation` string".into()))
    }
}

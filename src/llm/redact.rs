//! Removes secrets from everything sent to an LLM: tokens recognised by their shape, private
//! key blocks, credentials in URLs and netrc lines, values of variables named like secrets in
//! any syntax, and the user's home directory in paths.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// What replaces a secret.
pub const MARK: &str = "<redacted>";

/// Tokens whose shape alone says what they are (the issuers document these prefixes).
static SHAPES: LazyLock<Regex> = LazyLock::new(|| {
    let shapes = [
        r"sk-ant-[A-Za-z0-9_-]{20,}",                       // Anthropic
        r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}", // OpenAI
        r"gh[pousr]_[A-Za-z0-9]{30,}",                      // GitHub
        r"github_pat_[A-Za-z0-9_]{22,}",                    // GitHub fine-grained
        r"gl(?:pat|dt|rt|ptt|ft|oas|cbt|imt|agent)-[A-Za-z0-9_-]{20,}", // GitLab
        r"(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA)[A-Z0-9]{16}",   // AWS access key id
        r"AIza[0-9A-Za-z_-]{35}",                           // Google API key
        r"ya29\.[0-9A-Za-z_-]{20,}",                        // Google OAuth
        r"GOCSPX-[0-9A-Za-z_-]{20,}",                       // Google client secret
        r"xox[abposr]-[0-9A-Za-z-]{10,}",                   // Slack
        r"xapp-[0-9]-[0-9A-Za-z-]{10,}",                    // Slack app
        r"hooks\.slack\.com/services/[A-Za-z0-9/]+",        // Slack webhook
        r"npm_[A-Za-z0-9]{36}",                             // npm
        r"pypi-[A-Za-z0-9_-]{50,}",                         // PyPI
        r"(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{20,}",     // Stripe
        r"whsec_[0-9A-Za-z]{20,}",                          // Stripe webhook
        r"hf_[A-Za-z0-9]{30,}",                             // Hugging Face
        r"dop_v1_[a-f0-9]{64}",                             // DigitalOcean
        r"SG\.[0-9A-Za-z_-]{16,}\.[0-9A-Za-z_-]{16,}",      // SendGrid
        r"cachix-?[A-Za-z0-9]{0,8}\.[A-Za-z0-9_-]{40,}",    // Cachix-style JWT tokens
        r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", // JWT
        r"AGE-SECRET-KEY-1[0-9A-Z]{50,}",                   // age
    ];
    Regex::new(&format!(r"\b(?:{})", shapes.join("|"))).expect("valid regex")
});

/// PEM and OpenSSH private key blocks, whole; an unterminated one up to the end of the text.
static KEY_BLOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)-----BEGIN ([A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z)")
        .expect("valid regex")
});

/// `scheme://user:password@host` and `scheme://token@host`.
static URL_CREDENTIALS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b([a-z][a-z0-9+.-]*://)([^\s/@:'\x22]+)(?::([^\s/@'\x22]*))?@")
        .expect("valid regex")
});

/// `Authorization: Bearer …`, `-H 'Authorization: token …'`, `--password …`.
static HEADERS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b((?:authorization|proxy-authorization|x-api-key|api-key|private-token)\s*:\s*(?:bearer|basic|token|digest)?\s*)([^\s'\x22]+)|(--(?:password|token|api-key|secret)[= ]\s*)([^\s'\x22]+)")
        .expect("valid regex")
});

/// netrc: `machine h login u password p` (on one line or spread over several).
static NETRC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)(\b(?:password|passwd|account)\s+)(\S+)").expect("valid regex")
});
static NETRC_FILE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)\bmachine\s+\S+|^\s*default\b").expect("valid regex"));

/// A name that says its value is secret, then an assignment in any of the usual syntaxes
/// (`NAME=v`, `NAME: v`, `export NAME=v`, `name = "v";`, `"name": "v"`, `set -x NAME v`,
/// `NAME := v`, `name => v`), then the value: a quoted string (also Nix's `''…''`, over
/// several lines) or a bare word.
static NAMED: LazyLock<Regex> = LazyLock::new(|| {
    // `*SECRET*` and `*PASSWORD*` anywhere in the name; `*_TOKEN`, `*_KEY` (`apiKey`) at its end.
    let name = r"[A-Za-z0-9_.-]*(?:(?i:secret|passw(?:or)?d|passphrase|credential)[A-Za-z0-9_.-]*|(?i:token|api[_-]?key|access[_-]?key|private[_-]?key|auth[_-]?key)s?|[_-](?i:key)s?|[a-z]Keys?)";
    let value = r#"''(?s:.*?)''|"(?:[^"\\]|\\.)*"|'[^'\n]*'|[^\s;,'"}{)(]+"#;
    Regex::new(&format!(
        r#"(?m)(["']?(?:{name})["']?\s*(?::=|=>|=|:)\s*|\bset\s+-[gxU]+\s+(?:{name})\s+)({value})"#
    ))
    .expect("valid regex")
});

/// The text with every secret replaced by [`MARK`].
pub fn redact(text: &str) -> String {
    let mut out: Cow<str> = Cow::Borrowed(text);
    out = replace(out, &KEY_BLOCK, |c| {
        format!("-----BEGIN {}----- {MARK} -----END {}-----", &c[1], &c[1])
    });
    out = replace(out, &NAMED, |c| {
        let value = &c[2];
        let inner = value.trim_matches(['"', '\'']);
        // Keep references that are no secret themselves: `$VAR`, `${…}`, `<redacted>`.
        if inner.starts_with('$') || inner.contains(MARK) || inner.is_empty() {
            return c[0].to_owned();
        }
        let quote = if value.starts_with("''") {
            "''"
        } else {
            &value[..value.starts_with(['"', '\'']) as usize]
        };
        format!("{}{quote}{MARK}{quote}", &c[1])
    });
    out = replace(out, &SHAPES, |_| MARK.to_owned());
    out = replace(out, &URL_CREDENTIALS, |c| match c.get(3) {
        Some(_) => format!("{}{}:{MARK}@", &c[1], &c[2]),
        // A user name alone (`ssh://git@…`) is no secret; a long one is a token.
        None if c[2].len() < 16 => c[0].to_owned(),
        None => format!("{}{MARK}@", &c[1]),
    });
    out = replace(out, &HEADERS, |c| match (c.get(1), c.get(3)) {
        (Some(head), _) => format!("{}{MARK}", head.as_str()),
        (_, Some(flag)) => format!("{}{MARK}", flag.as_str()),
        _ => c[0].to_owned(),
    });
    if NETRC_FILE.is_match(&out) {
        out = replace(out, &NETRC, |c| format!("{}{MARK}", &c[1]));
    }
    let out = out.into_owned();
    match home() {
        Some(home) => out.replace(&home, "~"),
        None => out,
    }
}

fn replace<'t>(text: Cow<'t, str>, re: &Regex, f: impl Fn(&Captures) -> String) -> Cow<'t, str> {
    if !re.is_match(&text) {
        return text;
    }
    Cow::Owned(re.replace_all(&text, |c: &Captures| f(c)).into_owned())
}

/// The home directory, when it says something about the user (not `/` or `/root`).
fn home() -> Option<String> {
    let home = std::env::var("HOME").ok()?;
    let home = home.trim_end_matches('/');
    (home.len() > 1 && home != "/root" && home.starts_with('/')).then(|| home.to_owned())
}

#[cfg(test)]
mod tests {
    use super::{redact, MARK};

    #[track_caller]
    fn gone(text: &str, secret: &str) {
        let out = redact(text);
        assert!(!out.contains(secret), "{secret} survived in {out:?}");
        assert!(out.contains(MARK), "{out:?}");
    }

    #[test]
    fn token_shapes_anywhere() {
        let tokens = [
            "sk-proj-abcdefghijklmnopqrstuvwx0123456789",
            "sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
            "glpat-abcdefghij0123456789",
            "AKIAIOSFODNN7EXAMPLE",
            "AIzaSyA-abcdefghijklmnopqrstuvwxyz01234",
            "xoxb-123456789012-abcdefghijkl",
            "npm_abcdefghijklmnopqrstuvwxyz0123456789",
            "pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdoLWlqa2wtbW5vcC1xcnN0LXV2d3h5ejAxMjM0",
            "sk_live_abcdefghijklmnopqrstuvwx",
            "hf_abcdefghijklmnopqrstuvwxyzABCDEF",
        ];
        for t in tokens {
            gone(&format!("# {t} in a comment"), t);
            gone(&format!("url = \"https://{t}@github.com/o/r\";"), t);
        }
    }

    #[test]
    fn named_values_in_any_syntax() {
        let cases = [
            ("# OPENAI_API_KEY=verysecretvalue", "verysecretvalue"),
            ("export GITHUB_TOKEN=abc123def", "abc123def"),
            ("DB_PASSWORD: hunter2hunter2", "hunter2hunter2"),
            ("  apiKey = \"s3cr3t-value\";", "s3cr3t-value"),
            ("{\"client_secret\": \"zzz-top\"}", "zzz-top"),
            ("set -gx MY_SECRET qwertyuiop", "qwertyuiop"),
            ("  signingKey = ''\n    line1\n    line2\n  '';", "line2"),
            ("AWS_SECRET_ACCESS_KEY := wJalrXUtnFEMI", "wJalrXUtnFEMI"),
        ];
        for (text, secret) in cases {
            gone(text, secret);
        }
        let code = "src = ./.;\ntokenize = x: x;\nkeys = [ 1 ];\nhash = \"sha256-AAAA\";\n";
        assert_eq!(redact(code), code, "ordinary code stays");
        let reference = "env.GITHUB_TOKEN = \"$GITHUB_TOKEN\";";
        assert_eq!(redact(reference), reference, "references name no secret");
    }

    #[test]
    fn blocks_urls_netrc_headers() {
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQUJDRA==\n-----END OPENSSH PRIVATE KEY-----\n";
        gone(key, "b3BlbnNzaC1rZXktdjEAAAAA");
        gone("-----BEGIN RSA PRIVATE KEY-----\nMIIEow", "MIIEow");
        gone("git+https://alice:pa55word@git.example.com/r", "pa55word");
        gone(
            "machine example.com login alice password pa55word",
            "pa55word",
        );
        gone("machine h\n  login u\n  password pa55word\n", "pa55word");
        gone(
            "curl -H 'Authorization: Bearer abc.def.ghi' x",
            "abc.def.ghi",
        );
        let prose = "error: the password field is not valid";
        assert_eq!(redact(prose), prose);
    }
}

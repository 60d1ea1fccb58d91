//! Nix hash notations: SRI (`sha256-<base64>`), `sha256:<base32>`, bare Nix base32 and hex,
//! converted into each other so a hash from a log can be found in a file in any notation.

const BASE32: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hash {
    pub algo: String,
    pub bytes: Vec<u8>,
}

impl Hash {
    /// Parses any notation Nix prints or accepts; bare digests are taken as sha256.
    pub fn parse(text: &str) -> Option<Hash> {
        let text = text.trim().trim_matches(['\'', '"', ',', ';']);
        if let Some((algo, b64)) = text.split_once('-') {
            if matches!(algo, "sha256" | "sha512" | "sha1" | "md5") {
                return Some(Hash {
                    algo: algo.into(),
                    bytes: decode_base64(b64)?,
                });
            }
        }
        let (algo, digest) = text.split_once(':').unwrap_or(("sha256", text));
        let size = match algo {
            "sha256" => 32,
            "sha512" => 64,
            "sha1" => 20,
            "md5" => 16,
            _ => return None,
        };
        let bytes = if digest.len() == size * 2 {
            decode_hex(digest)?
        } else if digest.len() == base32_len(size) {
            decode_base32(digest, size)?
        } else {
            decode_base64(digest).filter(|b| b.len() == size)?
        };
        Some(Hash {
            algo: algo.into(),
            bytes,
        })
    }

    pub fn sri(&self) -> String {
        format!("{}-{}", self.algo, encode_base64(&self.bytes))
    }

    pub fn base32(&self) -> String {
        let len = base32_len(self.bytes.len());
        (0..len)
            .rev()
            .map(|n| {
                let b = n * 5;
                let (i, j) = (b / 8, b % 8);
                let lo = self.bytes[i] >> j;
                let hi = self
                    .bytes
                    .get(i + 1)
                    .map_or(0, |&h| ((h as u16) << (8 - j)) as u8);
                BASE32[((lo | hi) & 0x1f) as usize] as char
            })
            .collect()
    }

    pub fn hex(&self) -> String {
        self.bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Every spelling of this hash that may stand in a .nix file.
    pub fn spellings(&self) -> Vec<String> {
        vec![
            self.sri(),
            self.base32(),
            format!("{}:{}", self.algo, self.base32()),
            self.hex(),
        ]
    }

    /// `lib.fakeHash` and friends: all zero bytes.
    pub fn is_fake(&self) -> bool {
        self.bytes.iter().all(|&b| b == 0)
    }
}

fn base32_len(size: usize) -> usize {
    (size * 8 - 1) / 5 + 1
}

fn decode_base32(s: &str, size: usize) -> Option<Vec<u8>> {
    let mut bytes = vec![0u8; size];
    for (n, c) in s.bytes().rev().enumerate() {
        let digit = BASE32.iter().position(|&x| x == c)? as u16;
        let b = n * 5;
        let (i, j) = (b / 8, b % 8);
        bytes[i] |= (digit << j) as u8;
        let carry = (digit << j) >> 8;
        if carry != 0 {
            *bytes.get_mut(i + 1)? |= carry as u8;
        }
    }
    Some(bytes)
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        acc = (acc << 6) | BASE64.iter().position(|&x| x == c)? as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

fn encode_base64(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (b as u32) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(BASE64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_between_notations() {
        // The same digest as printed by `nix hash to-base32` / `to-sri`.
        let sri = "sha256-u6TB1tzaELd8YBCa+9YjMirSXSUu3uZVbe+QwH1dSM8=";
        let h = Hash::parse(sri).unwrap();
        assert_eq!(h.sri(), sri);
        let b32 = h.base32();
        assert_eq!(b32.len(), 52);
        assert_eq!(Hash::parse(&b32).unwrap(), h);
        assert_eq!(Hash::parse(&format!("sha256:{}", h.hex())).unwrap(), h);
    }

    #[test]
    fn fake_hash() {
        let h = Hash::parse("sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").unwrap();
        assert!(h.is_fake());
        assert_eq!(h.base32(), "0".repeat(52));
    }
}

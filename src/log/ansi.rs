//! Removes ANSI escape sequences (colours, cursor moves, OSC titles) from log text.

/// Returns `bytes` without escape sequences. Borrowed input is returned unchanged when it holds
/// no ESC byte, which is the common case and keeps the hot path allocation-free.
pub fn strip(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let Some(first) = memchr::memchr(0x1b, bytes) else {
        return std::borrow::Cow::Borrowed(bytes);
    };
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..first]);
    let mut i = first;
    while i < bytes.len() {
        if bytes[i] != 0x1b {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        i += 1;
        match bytes.get(i) {
            // CSI: parameters and intermediates, then one final byte in 0x40..=0x7e.
            Some(b'[') => {
                i += 1;
                while i < bytes.len() && !(0x40..=0x7e).contains(&bytes[i]) {
                    i += 1;
                }
                i += 1;
            }
            // OSC: ends at BEL or ESC '\'.
            Some(b']') => {
                i += 1;
                while i < bytes.len() && bytes[i] != 0x07 && bytes[i] != 0x1b {
                    i += 1;
                }
                if bytes.get(i) == Some(&0x1b) {
                    i += 1;
                }
                i += 1;
            }
            // Two-byte sequences such as ESC ( B.
            Some(b'(') | Some(b')') => i += 2,
            Some(_) => i += 1,
            None => {}
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::strip;

    #[test]
    fn strips_csi_and_osc() {
        let s = b"\x1b[31;1merror:\x1b[0m bad \x1b]0;title\x07done";
        assert_eq!(&*strip(s), b"error: bad done");
    }

    #[test]
    fn leaves_plain_text_borrowed() {
        assert!(matches!(strip(b"plain"), std::borrow::Cow::Borrowed(_)));
    }
}

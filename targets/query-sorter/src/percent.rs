//! Percent-encoding normalisation of one parameter (the `decode_unreserved` option).

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// RFC 3986 section 2.3: ALPHA / DIGIT / "-" / "." / "_" / "~".
pub(crate) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// True when appending hex digit to `out` would complete a `%XY` triplet that was not in the input.
fn would_fuse(out: &[u8]) -> bool {
    match out {
        [.., b'%'] => true,
        [.., b'%', h] => hex_value(*h).is_some(),
        _ => false,
    }
}

/// Appends `param`, normalised, to `out`. See the crate docs ("Percent-encoding") for the exact rules.
pub(crate) fn normalize_into(param: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    let mut i = 0;
    while i < param.len() {
        let b = param[i];
        let triplet = match (b, param.get(i + 1), param.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) => hex_value(h).zip(hex_value(l)),
            _ => None,
        };
        let Some((high, low)) = triplet else {
            out.push(b);
            i += 1;
            continue;
        };
        let decoded = high << 4 | low;
        let fuses = decoded.is_ascii_hexdigit() && would_fuse(&out[start..]);
        if is_unreserved(decoded) && !fuses {
            out.push(decoded);
        } else {
            out.extend_from_slice(&[
                b'%',
                param[i + 1].to_ascii_uppercase(),
                param[i + 2].to_ascii_uppercase(),
            ]);
        }
        i += 3;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        normalize_into(s, &mut out);
        out
    }

    #[test]
    fn decodes_unreserved_and_uppercases_the_rest() {
        let _deadline = gauntlet_oracle::no_hang("decodes_unreserved_and_uppercases_the_rest");
        assert_eq!(norm(b"%41%7e%2d%2E%5F"), b"A~-._");
        assert_eq!(norm(b"a%2fb%3d"), b"a%2Fb%3D");
        assert_eq!(norm(b"%26%3D%25"), b"%26%3D%25");
        assert_eq!(norm(b"%c3%a9"), b"%C3%A9");
    }

    #[test]
    fn leaves_malformed_escapes_alone() {
        let _deadline = gauntlet_oracle::no_hang("leaves_malformed_escapes_alone");
        assert_eq!(norm(b"%"), b"%");
        assert_eq!(norm(b"%4"), b"%4");
        assert_eq!(norm(b"%g1%41"), b"%g1A");
        assert_eq!(norm(b"100%"), b"100%");
    }

    #[test]
    fn never_fuses_a_stray_percent_into_a_new_triplet() {
        let _deadline = gauntlet_oracle::no_hang("never_fuses_a_stray_percent_into_a_new_triplet");
        // Decoding both would give `%41`, which a second pass would decode again.
        assert_eq!(norm(b"%%34%31"), b"%%341");
        assert_eq!(norm(b"%4%31"), b"%4%31");
        assert_eq!(norm(b"%x%31"), b"%x1");
        let once = norm(b"%%34%31");
        assert_eq!(norm(&once), once);
    }
}

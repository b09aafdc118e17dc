//! Byte globs for parameter names: `*` (any run), `?` (any one byte), `\x` (literal `x`).

use crate::error::Error;

/// Longest pattern accepted; matching costs O(name length × pattern length).
pub(crate) const MAX_PATTERN_LEN: usize = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    Byte(u8),
    AnyOne,
    AnyRun,
}

/// A compiled glob. Matching is byte-wise and case-sensitive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Glob {
    tokens: Vec<Token>,
}

impl Glob {
    pub(crate) fn compile(pattern: &[u8]) -> Result<Glob, Error> {
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(Error::PatternTooLong {
                len: pattern.len(),
                max: MAX_PATTERN_LEN,
            });
        }
        let mut tokens = Vec::with_capacity(pattern.len());
        let mut i = 0;
        while i < pattern.len() {
            let token = match pattern[i] {
                b'*' => Token::AnyRun,
                b'?' => Token::AnyOne,
                b'\\' => {
                    i += 1;
                    match pattern.get(i) {
                        Some(&b) => Token::Byte(b),
                        None => return Err(Error::DanglingEscape { offset: i - 1 }),
                    }
                }
                b => Token::Byte(b),
            };
            // `**` matches exactly what `*` does; collapsing keeps the backtracking bound tight.
            if !(token == Token::AnyRun && tokens.last() == Some(&Token::AnyRun)) {
                // Every token takes at least one byte of the pattern (so the loop ends).
                debug_assert!(
                    tokens.len() < pattern.len(),
                    "more tokens than pattern bytes"
                );
                tokens.push(token);
            }
            i += 1;
        }
        Ok(Glob { tokens })
    }

    pub(crate) fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// Greedy matcher that backtracks only to the most recent `*`: O(name × pattern) worst case.
    pub(crate) fn matches(&self, name: &[u8]) -> bool {
        let tokens = &self.tokens;
        let (mut t, mut n) = (0, 0);
        // Where to resume after a mismatch: the token after the last `*`, and the name byte it absorbs up to.
        let mut resume: Option<(usize, usize)> = None;
        while n < name.len() {
            match tokens.get(t) {
                Some(Token::AnyRun) => {
                    t += 1;
                    resume = Some((t, n));
                    continue;
                }
                Some(Token::AnyOne) => {
                    t += 1;
                    n += 1;
                    continue;
                }
                Some(Token::Byte(b)) if *b == name[n] => {
                    t += 1;
                    n += 1;
                    continue;
                }
                _ => {}
            }
            match resume {
                Some((after_star, absorbed)) => {
                    t = after_star;
                    n = absorbed + 1;
                    resume = Some((after_star, absorbed + 1));
                }
                None => return false,
            }
        }
        tokens[t..].iter().all(|&tok| tok == Token::AnyRun)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, name: &str) -> bool {
        Glob::compile(pattern.as_bytes())
            .unwrap()
            .matches(name.as_bytes())
    }

    #[test]
    fn literals_wildcards_and_escapes() {
        let _deadline = gauntlet_oracle::no_hang("literals_wildcards_and_escapes");
        assert!(m("utm_*", "utm_source"));
        assert!(m("utm_*", "utm_"));
        assert!(!m("utm_*", "xutm_source"));
        assert!(m("*id", "fbclid"));
        assert!(!m("*id", "fbclid2"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(!m("a*b*c", "aXbYbZ"));
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "x"));
        assert!(m("a\\?b", "a?b") && !m("a\\?b", "axb"));
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("*", ""));
        assert!(m("**a**", "bab"));
    }

    #[test]
    fn the_longest_pattern_is_accepted() {
        let _deadline = gauntlet_oracle::no_hang("the_longest_pattern_is_accepted");
        let longest = Glob::compile(&[b'a'; MAX_PATTERN_LEN]).unwrap();
        assert!(longest.matches(&[b'a'; MAX_PATTERN_LEN]));
    }

    #[test]
    fn bad_patterns_report_where() {
        let _deadline = gauntlet_oracle::no_hang("bad_patterns_report_where");
        assert_eq!(
            Glob::compile(b"ab\\"),
            Err(Error::DanglingEscape { offset: 2 })
        );
        assert_eq!(
            Glob::compile(&[b'a'; MAX_PATTERN_LEN + 1]),
            Err(Error::PatternTooLong {
                len: MAX_PATTERN_LEN + 1,
                max: MAX_PATTERN_LEN
            })
        );
    }
}

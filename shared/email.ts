/**
 * Emails in one form, so that one address is one account: what a person types and what another
 * device sends may differ in Unicode form or domain spelling, and must still name the same account.
 * Browsers import this too (the SDK, the web app): it uses only what they have (String.normalize,
 * Unicode property escapes, the WHATWG URL parser for IDN).
 *
 * - Unicode NFC: "rené" typed as e + U+0301 (NFD) is "rené" (U+00E9).
 * - Refused: invisible and bidirectional control characters (U+200B zero-width space, U+202E
 *   right-to-left override, U+FEFF, soft hyphen, other format and control characters, spaces other
 *   than the ASCII one, Hangul fillers, variation selectors), which would let two addresses look alike.
 * - An internationalized domain in ASCII (punycode), as the WHATWG URL parser writes it (UTS #46):
 *   `bücher.example` and `xn--bcher-kva.example` are one domain.
 * - Lookalikes from other scripts (a Cyrillic "а" for a Latin "a") are other addresses, as they are
 *   for mail servers: they stay separate accounts. Emails are shown as stored, so the difference is
 *   visible to whoever shares a list with one.
 */

/**
 * Characters no email may contain: control and format characters (bidi controls, zero-width ones),
 * default-ignorable ones (soft hyphen, Hangul fillers, variation selectors, the combining grapheme
 * joiner), and separators other than " ".
 */
const INVISIBLE =
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/u;

/** Why an email cannot be normalized. */
export type EmailProblem = 'invisible' | 'domain';

/**
 * The stored form of an (already trimmed, valid-looking) email: lower case, NFC, the domain in ASCII;
 * or the problem that keeps it from having one.
 */
export function normalizeEmail(email: string): { email: string } | { problem: EmailProblem } {
  if (INVISIBLE.test(email)) return { problem: 'invisible' };
  const text = email.toLowerCase().normalize('NFC');
  const at = text.lastIndexOf('@');
  if (at < 1) return { problem: 'domain' };
  const domain = text.slice(at + 1);
  if (/^[ -~]*$/.test(domain)) return { email: text }; // ASCII: as it is
  // joi's email rule has passed: the domain holds no character that would change how a URL is read
  let ascii: string;
  try {
    ascii = new URL(`http://${domain}`).hostname;
  } catch {
    return { problem: 'domain' };
  }
  if (ascii === '' || !/^[a-z0-9.-]+$/.test(ascii)) return { problem: 'domain' };
  return { email: `${text.slice(0, at)}@${ascii}` };
}

/**
 * How voucher codes are matched: on their letters and digits alone, so a code read off a receipt
 * or a phone and typed at a till in any case, with or without its dashes, with spaces where the
 * eye grouped it, finds the voucher. Pure; the stored `code_key` column of vouchers and pool codes
 * holds `codeKey(code)`, unique per programme, so two codes that would match the same input
 * cannot both exist.
 */

/**
 * What a match ignores, as one regular-expression class written so that JavaScript (`u` flag)
 * and PostgreSQL (ARE) read it the same: every whitespace character JavaScript's `\s` knows,
 * every ASCII punctuation mark and symbol (`!"#$%&'()*+,-./:;<=>?@[\]^_\`{|}~`: dashes, dots,
 * slashes, underscores and the like are how codes get grouped, and no till user types `#` or `*`
 * on purpose to tell two codes apart), and the Unicode dashes and minus a phone's keyboard or
 * autocorrect puts in place of `-`. Letters and digits of any script stay and count.
 * Migration 0010 backfills `code_key` with this same class (a test checks the text is the same).
 */
export const CODE_SEPARATORS =
  "[\\t\\n\\u000b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff\\u0021-\\u002f\\u003a-\\u0040\\u005b-\\u0060\\u007b-\\u007e\\u2010-\\u2015\\u2212]";

const SEPARATORS = new RegExp(CODE_SEPARATORS, "gu");

/** The form a code is matched on: upper case, separators removed. Empty when nothing is left. */
export const codeKey = (code: string): string => code.toUpperCase().replace(SEPARATORS, "");

/** How a code is stored and shown: as given, trimmed, inner spaces removed, upper case (its dashes kept). */
export const normalizeCode = (code: string): string => code.trim().replace(/\s+/g, "").toUpperCase();

/** The string every secret becomes in printed output, the outputs JSON and the Markdown summary. */
export const SECRET_PLACEHOLDER = "[secret]";

/**
 * Values shorter than this are not scrubbed from free text: replacing every "1" or "ab" in the engine's
 * output would make it unreadable and protect nothing.
 */
export const MIN_REDACTED_LENGTH = 4;

/**
 * Scrubs known secret values from free text. Needed because the Automation API passes `config set --secret`
 * values on the command line, and a failed command's error message quotes that command line.
 */
export function makeRedactor(secrets: readonly string[]): (text: string) => string {
  // Longest first, so a secret that contains another is replaced whole.
  const values = [...new Set(secrets.filter((s) => s.length >= MIN_REDACTED_LENGTH))].sort(
    (a, b) => b.length - a.length,
  );
  return (text: string) => values.reduce((acc, secret) => acc.split(secret).join(SECRET_PLACEHOLDER), text);
}

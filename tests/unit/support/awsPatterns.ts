/**
 * botocore's `pattern`s are Java regular expressions (the services validate with java.util.regex, against the whole
 * value: `[0-9A-Za-z _-]+` refuses "prod: daily", as the AWS provider's own `^[0-9A-Za-z _-]+$` does). This turns one
 * into a JavaScript `u` regex anchored at both ends, translating what JavaScript spells differently:
 * - `\p{all}` (Java: any code point) becomes the full code point range;
 * - Java's POSIX classes `\p{Alpha}`, `\p{Digit}`, `\p{Alnum}`, `\p{Punct}`, `\p{Print}`, `\p{Graph}`, `\p{ASCII}`,
 *   `\p{Space}` become their US-ASCII sets (Java's default, without UNICODE_CHARACTER_CLASS);
 * - `\Z` / `\z` (end of input) become `$`; leading inline flags (`(?s)`, `(?i)`) become the regex's flags;
 * - possessive quantifiers (`*+`, `++`, `?+`, `}+`) and atomic groups (`(?>`) have no JavaScript form: such a
 *   pattern is reported untranslatable, never silently weakened.
 * A pattern that still does not compile (with or without `u`) is reported untranslatable too.
 */

const POSIX: Record<string, string> = {
  all: "\\u{0}-\\u{10FFFF}",
  Alpha: "A-Za-z",
  Digit: "0-9",
  Alnum: "A-Za-z0-9",
  Upper: "A-Z",
  Lower: "a-z",
  Punct: "!-\\/:-@\\[-`{-~",
  Graph: "!-~",
  Print: " -~",
  ASCII: "\\u{0}-\\u{7F}",
  Space: " \\t\\n\\x0B\\f\\r",
  XDigit: "0-9a-fA-F",
};

export type Translated = { regex: RegExp; source: string } | { untranslatable: string };

/** The JavaScript regex for a botocore (Java) pattern, matched against the whole value. */
export function translatePattern(java: string): Translated {
  if (/(\*|\+|\?|\})\+/.test(stripEscapesAndClasses(java)) || java.includes("(?>"))
    return { untranslatable: `possessive quantifier or atomic group in ${java}` };
  // Leading inline flags (`(?s).+`, `(?i)...`) become JavaScript flags.
  const inline = /^\(\?([is]+)\)/.exec(java);
  let js = inline ? java.slice(inline[0].length) : java;
  // Inside a class: `[\p{all}]` -> `[\u{0}-\u{10FFFF}]`; outside: wrap in a class.
  js = js.replace(/\\p\{(\w+)\}/g, (whole, name: string, offset: number) => {
    const set = POSIX[name];
    if (!set) return whole; // a Unicode property (\p{L}, \p{N}, ...): JavaScript's `u` mode knows it
    return insideClass(js, offset) ? set : `[${set}]`;
  });
  js = js.replace(/\\[Zz]/g, "$");
  const source = `^(?:${js})$`;
  const extra = inline?.[1] ?? "";
  for (const flags of [`u${extra}`, extra]) {
    try {
      return { regex: new RegExp(source, flags), source };
    } catch {
      // try the next flags
    }
  }
  return { untranslatable: `does not compile as a JavaScript regex: ${java}` };
}

/** Whether `offset` in `pattern` lies inside a character class. */
function insideClass(pattern: string, offset: number): boolean {
  let depth = 0;
  for (let i = 0; i < offset; i++) {
    const c = pattern[i];
    if (c === "\\") i++;
    else if (c === "[") depth++;
    else if (c === "]" && depth > 0) depth--;
  }
  return depth > 0;
}

/** The pattern with escapes and character classes removed (to look for quantifier syntax only). */
function stripEscapesAndClasses(pattern: string): string {
  return pattern
    .replace(/\\[pPx]\{[^}]*\}/g, "x")
    .replace(/\\./g, "x")
    .replace(/\[[^\]]*\]/g, "x");
}

/** The constraints of one string shape. */
export interface StringRules {
  pattern?: string;
  min?: number;
  max?: number;
  enum?: string[];
}

/**
 * What is wrong with `value` under the shape's rules, or undefined. Lengths count UTF-16 code units, as the AWS
 * SDKs for Java do (String.length()); every value this program sends is ASCII or BMP, where the two agree.
 */
export function ruleProblem(rules: StringRules, value: string): string | undefined {
  if (rules.enum && !rules.enum.includes(value)) return `is not one of ${rules.enum.join(", ")}`;
  if (rules.min !== undefined && value.length < rules.min) return `is ${value.length} characters (min ${rules.min})`;
  if (rules.max !== undefined && value.length > rules.max) return `is ${value.length} characters (max ${rules.max})`;
  if (rules.pattern !== undefined) {
    const t = translatePattern(rules.pattern);
    if ("untranslatable" in t) return `cannot be judged: pattern ${t.untranslatable}`;
    if (!t.regex.test(value)) return `does not match the pattern ${rules.pattern}`;
  }
  return undefined;
}

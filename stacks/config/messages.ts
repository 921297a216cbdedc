import type { z } from "zod";

/** How a value of each zod type is named to a person editing a stack file. */
const EXPECTED: Record<string, string> = {
  int: "a whole number",
  number: "a number",
  string: "text",
  boolean: "true or false",
  array: "a list",
  object: "a map of settings",
  record: "a map of settings",
  bigint: "a whole number",
};

/** A value as it appears in the stack file, shortened: `8.5`, `"yes"`, a list, a map. */
export function shown(input: unknown): string {
  if (Array.isArray(input)) return "a list";
  if (input === null) return "null";
  if (typeof input === "object") return "a map";
  const text = JSON.stringify(input) ?? String(input);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function unitOf(origin: unknown, n: number): string {
  if (origin === "string") return n === 1 ? " character long" : " characters long";
  if (origin === "array" || origin === "set") return n === 1 ? " item" : " items";
  return "";
}

/**
 * zod's issue wording ("Invalid input: expected int, received number") rewritten for a person editing a stack file
 * ("must be a whole number, got 8.5"). Used as the parse-level error map of the config schema, so a message a section
 * schema spells out itself (a regex's "must be an AWS region code ...") still wins; every issue code zod raises is
 * mapped here, in one place. Returns undefined for codes left to the caller (unknown keys are reported with a
 * "did you mean").
 */
export function configIssueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const input = issue.input;
  switch (issue.code) {
    case "invalid_type": {
      if (input === undefined) return "is required";
      const expected = EXPECTED[issue.expected] ?? String(issue.expected);
      return `must be ${expected}, got ${shown(input)}`;
    }
    case "too_small": {
      const min = Number(issue.minimum);
      if (issue.origin === "string" && min === 1) return "must not be empty";
      if (issue.origin === "array" && min === 1) return "must list at least one item";
      const bound = issue.inclusive === false ? "more than" : "at least";
      const verb = issue.origin === "array" ? "must list" : "must be";
      return `${verb} ${bound} ${min}${unitOf(issue.origin, min)}, got ${shown(input)}`;
    }
    case "too_big": {
      const max = Number(issue.maximum);
      if (!Number.isSafeInteger(max) && issue.origin === "int") return `is too large, got ${shown(input)}`;
      const bound = issue.inclusive === false ? "less than" : "at most";
      const verb = issue.origin === "array" ? "must list" : "must be";
      return `${verb} ${bound} ${max}${unitOf(issue.origin, max)}, got ${shown(input)}`;
    }
    case "invalid_value":
      return `${shown(input)} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_format":
      return issue.format === "regex"
        ? `${shown(input)} does not have the expected form`
        : `${shown(input)} is not a valid ${issue.format}`;
    case "not_multiple_of":
      return `must be a multiple of ${String(issue.divisor)}, got ${shown(input)}`;
    case "invalid_union":
      return `${shown(input)} is not one of the accepted forms`;
    case "invalid_key":
      return `has an invalid name ${shown(input)}`;
    case "invalid_element":
      return `holds an invalid value`;
    case "custom":
      return `${shown(input)} is not valid`;
    default:
      return undefined;
  }
}

/**
 * A pure validator for systemd calendar expressions (`OnCalendar=`, systemd.time(7) "Calendar Events"), so a typo in
 * `registry.gc.onCalendar` fails at config time instead of as a timer that never loads on the host. It accepts the
 * normalized form `[weekdays] [[year-]month-day] [hour:minute[:second]] [timezone]` (each number field `*`, a value,
 * a range `a..b`, comma lists and `/step` repetitions; `~` for days counted from the month's end) and the shorthands
 * (daily, weekly, ...). tests/unit/calendar.test.ts checks it agrees with the real `systemd-analyze calendar`.
 */

const SHORTHANDS = new Set([
  "minutely",
  "hourly",
  "daily",
  "weekly",
  "monthly",
  "yearly",
  "annually",
  "quarterly",
  "semiannually",
]);

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEKDAY_NAMES = new Set([
  ...WEEKDAYS,
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
]);

/** What is wrong with one comma list of a number field (`*`, `5`, `1..5`, `0/15`, `1,15`), or undefined. */
function fieldProblem(text: string, what: string, min: number, max: number, fraction = false): string | undefined {
  for (const item of text.split(",")) {
    const m = fraction
      ? /^(\*|\d{1,4}(?:\.\d{1,6})?)(?:\.\.(\d{1,4}))?(?:\/(\d{1,4}(?:\.\d{1,6})?))?$/.exec(item)
      : /^(\*|\d{1,4})(?:\.\.(\d{1,4}))?(?:\/(\d{1,4}))?$/.exec(item);
    if (!m) return `the ${what} "${item}" is not *, a number, a range a..b or a repetition a/b`;
    const [, start, end, step] = m;
    if (start === "*" && (end !== undefined || step !== undefined)) {
      return `the ${what} "${item}" ranges or repeats from * (start from a number: 0/15)`;
    }
    for (const v of [start, end]) {
      if (v === undefined || v === "*") continue;
      if (Number(v) < min || Number(v) > max) return `the ${what} ${v} is outside ${min}..${max}`;
    }
    if (end !== undefined && Number(end) < Number(start)) return `the ${what} range ${item} runs backwards`;
    if (step !== undefined && Number(step) <= 0) return `the ${what} repetition ${item} must step by more than 0`;
  }
  return undefined;
}

function weekdaysProblem(token: string): string | undefined {
  for (const item of token.split(",")) {
    const parts = item.split("..");
    if (parts.length > 2 || parts.some((p) => !WEEKDAY_NAMES.has(p.toLowerCase()))) {
      return `"${item}" is not a weekday (Mon..Sun) or a range of them`;
    }
  }
  return undefined;
}

function dateProblem(token: string): string | undefined {
  // [year-]month-day, or [year-]month~day (days from the end of the month).
  const m = /^(?:([^-~]+)-)?([^-~]+)([-~])([^-~]+)$/.exec(token);
  if (!m) return `"${token}" is not a date such as *-*-* or 2026-01-31`;
  const [, year, month, , day] = m;
  return (
    (year !== undefined ? fieldProblem(year, "year", 1970, 2199) : undefined) ??
    fieldProblem(month!, "month", 1, 12) ??
    fieldProblem(day!, "day", 1, 31)
  );
}

function timeProblem(token: string): string | undefined {
  const parts = token.split(":");
  if (parts.length < 2 || parts.length > 3) return `"${token}" is not a time such as 03:30 or 03:30:00`;
  return (
    fieldProblem(parts[0]!, "hour", 0, 23) ??
    fieldProblem(parts[1]!, "minute", 0, 59) ??
    (parts[2] !== undefined ? fieldProblem(parts[2], "second", 0, 59, true) : undefined)
  );
}

/** What is wrong with a systemd calendar expression, or undefined when it is one. */
export function calendarProblem(expression: string): string | undefined {
  const shape =
    'must be a systemd calendar expression such as "Sun *-*-* 03:30:00", "Mon..Fri 02:00" or "daily" (systemd.time(7))';
  const tokens = expression.trim().split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return `${shape}: it is empty`;
  if (tokens.length === 1 && SHORTHANDS.has(tokens[0]!.toLowerCase())) return undefined;

  let i = 0;
  const problems: (string | undefined)[] = [];
  const hasWeekdays = /^[A-Za-z]/.test(tokens[0]!) && !tokens[0]!.includes("/") && tokens[0] !== "UTC";
  if (hasWeekdays) {
    problems.push(weekdaysProblem(tokens[i]!));
    i += 1;
  }
  let fields = 0;
  if (i < tokens.length && /[-~]/.test(tokens[i]!) && !tokens[i]!.includes(":")) {
    problems.push(dateProblem(tokens[i]!));
    i += 1;
    fields += 1;
  }
  if (i < tokens.length && tokens[i]!.includes(":")) {
    problems.push(timeProblem(tokens[i]!));
    i += 1;
    fields += 1;
  }
  if (i < tokens.length && (tokens[i] === "UTC" || /^[A-Z][A-Za-z_]+(?:\/[A-Za-z_+-]+){1,2}$/.test(tokens[i]!))) i += 1;
  if (i < tokens.length) problems.push(`"${tokens[i]}" is not expected there (order: weekdays, date, time, timezone)`);
  // Weekdays alone are valid ("Sun" = Sundays at 00:00:00); otherwise a date or a time is needed.
  if (fields === 0 && !hasWeekdays) problems.push("it has no weekday, date or time");
  const first = problems.find((p) => p !== undefined);
  return first ? `${shape}: ${first}` : undefined;
}

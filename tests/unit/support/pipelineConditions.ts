// Small evaluators for the two CI systems' run conditions, so the pipeline tests can ask "can this job run for a
// pull request?" instead of matching text. Anything they do not understand evaluates to true: a condition the
// evaluator cannot read counts as "may run", the safe reading for a test about what a pull request can reach.

/**
 * GitHub Actions `if:` for a given event, with `github.ref` as it is for that event (a pull request's ref is
 * `refs/pull/<n>/merge`). Supports `==`, `!=`, `&&`, `||`, `!`, parentheses, `${{ }}` and status functions.
 */
export function githubConditionHolds(condition: string, context: { event: string; ref: string }): boolean {
  let text = condition.trim();
  const wrapped = /^\$\{\{([\s\S]*)\}\}$/.exec(text);
  if (wrapped) text = wrapped[1];
  if (text === "") return true;
  const known: Record<string, string> = { "github.event_name": context.event, "github.ref": context.ref };
  const operand = String.raw`'[^']*'|[\w.\-\[\]]+`;
  // Comparisons first: each becomes `true` or `false`; one side not known (e.g. repository names) -> true.
  text = text.replace(new RegExp(`(${operand})\\s*(==|!=)\\s*(${operand})`, "g"), (_m, a: string, op, b: string) => {
    const value = (side: string) => (side.startsWith("'") ? side.slice(1, -1) : known[side]);
    const [left, right] = [value(a), value(b)];
    if (left === undefined || right === undefined) return "true";
    return String(
      op === "==" ? left.toLowerCase() === right.toLowerCase() : left.toLowerCase() !== right.toLowerCase(),
    );
  });
  // Remaining terms (status functions, contexts): may be true.
  text = text.replace(/[A-Za-z_][\w.-]*(\([^()]*\))?/g, (m) => (m === "true" || m === "false" ? m : "true"));
  const tokens = text.match(/true|false|&&|\|\||!|\(|\)/g) ?? [];
  let pos = 0;
  const or = (): boolean => {
    let v = and();
    while (tokens[pos] === "||") {
      pos++;
      const r = and();
      v = v || r;
    }
    return v;
  };
  const and = (): boolean => {
    let v = not();
    while (tokens[pos] === "&&") {
      pos++;
      const r = not();
      v = v && r;
    }
    return v;
  };
  const not = (): boolean => {
    if (tokens[pos] === "!") {
      pos++;
      return !not();
    }
    if (tokens[pos] === "(") {
      pos++;
      const v = or();
      pos++; // ")"
      return v;
    }
    return tokens[pos++] !== "false";
  };
  return or();
}

type AzureValue = string | boolean;

/**
 * An Azure Pipelines stage/job `condition:` (functions `and`, `or`, `not`, `eq`, `ne`, `in`, `notIn`,
 * `startsWith`, `succeeded`, ...) with `variables['X']` from `variables`. `succeeded()` is `dependenciesRan`.
 * String comparisons are case-insensitive, as Azure's are.
 */
export function azureConditionHolds(
  condition: string,
  variables: Record<string, string>,
  dependenciesRan: boolean,
): boolean {
  const text = condition.trim() === "" ? "succeeded()" : condition;
  const tokens = text.match(/'[^']*'|variables\['[^']*'\]|[A-Za-z_][\w.]*|\(|\)|,/g) ?? [];
  let pos = 0;
  const expression = (): AzureValue => {
    const token = tokens[pos++];
    if (token.startsWith("'")) return token.slice(1, -1);
    const variable = /^variables\['([^']*)'\]$/.exec(token);
    if (variable) return variables[variable[1]] ?? "";
    if (token === "true" || token === "false") return token === "true";
    const args: AzureValue[] = [];
    if (tokens[pos] === "(") {
      pos++;
      while (tokens[pos] !== ")") {
        args.push(expression());
        if (tokens[pos] === ",") pos++;
      }
      pos++;
    }
    const s = (v: AzureValue) => String(v).toLowerCase();
    switch (token.toLowerCase()) {
      case "and":
        return args.every(Boolean);
      case "or":
        return args.some(Boolean);
      case "not":
        return !args[0];
      case "eq":
        return s(args[0]) === s(args[1]);
      case "ne":
        return s(args[0]) !== s(args[1]);
      case "in":
        return args.slice(1).some((a) => s(a) === s(args[0]));
      case "notin":
        return !args.slice(1).some((a) => s(a) === s(args[0]));
      case "startswith":
        return s(args[0]).startsWith(s(args[1]));
      case "succeeded":
      case "succeededorfailed":
        return dependenciesRan;
      case "failed":
        return false;
      default:
        // always(), canceled(), anything unknown: may run.
        return true;
    }
  };
  return Boolean(expression());
}

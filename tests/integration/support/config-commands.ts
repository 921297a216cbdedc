import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** One `pulumi config set|rm` command as a file tells a user to run it. */
export interface ToldCommand {
  /** Where it was found: `README.md:139`. */
  readonly where: string;
  /** The command line, as a user would paste it. */
  readonly command: string;
}

const COMMAND = /pulumi config (?:set|rm)\b[^`\n]*/g;

function filesUnder(dir: string, test: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name.startsWith(".") ? [] : filesUnder(p, test);
    return test(e.name) ? [p] : [];
  });
}

/** Splits `a && b` and drops a trailing shell comment and the prose around an inline code span. */
function commandsIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(COMMAND)) {
    const line = m[0].replace(/\s+#\s.*$/, "").trim();
    for (const part of line.split(/\s+&&\s+/)) if (part.startsWith("pulumi config")) out.push(part.trim());
  }
  return out;
}

/** Every `pulumi config set|rm` in the README, docs/ and the stack files' comments, with where it stands. */
export function documentedCommands(projectDir: string): ToldCommand[] {
  const files = [
    join(projectDir, "README.md"),
    ...filesUnder(join(projectDir, "docs"), (n) => n.endsWith(".md")),
    ...filesUnder(projectDir, (n) => /^Pulumi(\.[\w-]+)?\.yaml$/.test(n)).filter((f) => !f.includes("/policy/")),
  ];
  return files.flatMap((file) =>
    readFileSync(file, "utf8")
      .split("\n")
      .flatMap((line, i) =>
        commandsIn(line).map((command) => ({ where: `${relative(projectDir, file)}:${i + 1}`, command })),
      ),
  );
}

/**
 * The fix commands the program's config errors print, found in its source (stacks/config/): whole commands
 * written out as a `fix:` template string, and `setCommand("<key>", "<example>")` calls with literal arguments, returned
 * as the pair (the test renders them with the program's own setCommand).
 */
export function programHintSources(projectDir: string): { literal: ToldCommand[]; setCalls: ToldCommand[] } {
  const literal: ToldCommand[] = [];
  const setCalls: ToldCommand[] = [];
  for (const file of filesUnder(join(projectDir, "stacks", "config"), (n) => n.endsWith(".ts"))) {
    const lines = readFileSync(file, "utf8").split("\n");
    lines.forEach((line, i) => {
      const where = `${relative(projectDir, file)}:${i + 1}`;
      // A fix written out whole (no interpolation), e.g. fix: `pulumi config set --path '...' "$(date -u +%F)"`.
      for (const m of line.matchAll(/fix: `(pulumi config (?:set|rm)\b[^`$]*(?:\$\([^)`]*\)[^`$]*)*)`/g)) {
        literal.push({ where, command: m[1]!.trim() });
      }
      for (const m of line.matchAll(/setCommand\("([^"]+)", "([^"]*)"\)/g)) {
        setCalls.push({ where, command: JSON.stringify([m[1], m[2]]) });
      }
    });
  }
  return { literal, setCalls };
}

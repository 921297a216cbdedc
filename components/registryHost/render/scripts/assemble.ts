import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The shell bodies live beside this file as plain bash (lib/*.bash), so they read and diff as scripts. */
function lib(name: string): string {
  return readFileSync(join(__dirname, "lib", `${name}.bash`), "utf8");
}

/** Single-quotes a value for bash. */
export function shQuote(value: string | number): string {
  return `'${String(value).replace(/'/g, `'\\''`)}'`;
}

export type ShellValue = string | number | readonly (string | number)[];

function assignment(name: string, value: ShellValue): string {
  if (Array.isArray(value)) return `readonly ${name}=(${value.map(shQuote).join(" ")})`;
  return `readonly ${name}=${shQuote(value as string | number)}`;
}

/** What every provisioning step runs: the script arrives on stdin, so nothing but this fixed line shows in `ps`. */
export const STEP_COMMAND = "sudo -n bash -s --";

/** Ends a script: run main with no stdin (so no command can swallow the rest of the script)... */
export const RUN_MAIN = 'main "$@" </dev/null\n';

/** ...or with `data` as its stdin (a quoted here-document: nothing in it is expanded). */
export function runMainWith(data: string, delimiter: string): string {
  const body = data.endsWith("\n") ? data : `${data}\n`;
  // A line of the data equal to the delimiter would end the here-document early. (Not `split`: the data can be the
  // ~1.4 MB files bundle.)
  if (`\n${body}`.includes(`\n${delimiter}\n`))
    throw new Error(`here-document data contains its delimiter ${delimiter}`);
  return `main "$@" <<'${delimiter}'\n${body}${delimiter}\n`;
}

/**
 * A complete script: shebang, what it does, strict mode, the rendered values (quoted), the common helpers, the body.
 * The caller appends how main runs (RUN_MAIN or runMainWith).
 */
export function assembleScript(name: string, summary: string, values: Record<string, ShellValue>): string {
  return assembleScriptWith(name, summary, values, lib(name));
}

/** `assembleScript` with a body of the caller's own (a script that lives beside another component). */
export function assembleScriptWith(
  name: string,
  summary: string,
  values: Record<string, ShellValue>,
  body: string,
): string {
  const header = [
    "#!/usr/bin/env bash",
    `# ${name}: ${summary}`,
    "# Rendered by startup-infra (components/registryHost/render/scripts). Run as root with the script on stdin:",
    `#   ${STEP_COMMAND} [test-only options, see below]`,
    "set -euo pipefail",
    "",
    assignment("SCRIPT_NAME", name),
    ...Object.entries(values).map(([k, v]) => assignment(k, v)),
    "",
  ].join("\n");
  return `${header}\n${lib("common")}\n${body}\n`;
}

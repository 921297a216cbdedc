// Every `pulumi config set|rm` command that the README, docs/, the stack files and the program's own error hints
// tell a user to run, run for real with the real Pulumi CLI on a scratch stack; the stored value is then read back
// (`pulumi config --json`) and parsed by the program's schema, which must give the intended value and type.
// This is what catches a `--path` left out (the CLI stores the literal key `a.b`), digits that `--path` turns
// into numbers, and a hint that cannot be pasted.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { exampleAt, fixTargetAt, isTextAt, keyToPath, setCommand } from "../../stacks/config/errors";
import { child, settingKeys } from "../../stacks/config/introspect";
import { parseStackConfig } from "../../stacks/config/parse";
import { PROJECT, SECRET_KEYS, stackConfigSchema } from "../../stacks/config/schema";
import { documentedCommands, programHintSources, type ToldCommand } from "./support/config-commands";
import { run } from "./support/exec";
import { PROJECT_DIR, PulumiSandbox } from "./support/pulumi-cli";

const STACK = "scratch";
let sb: PulumiSandbox;
let hostKeyLine: string;

beforeAll(async () => {
  sb = await PulumiSandbox.create(["Pulumi.yaml"]);
  await sb.pulumiOk(["stack", "init", STACK]);
  // The files the README's secret commands read.
  await writeFile(join(sb.workDir, "fullchain.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  await writeFile(join(sb.workDir, "privkey.pem"), "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
  const keygen = await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", join(sb.root, "hostkey")]);
  expect(keygen.code).toBe(0);
  hostKeyLine = (await run("cat", [join(sb.root, "hostkey.pub")])).stdout.trim();
});
afterAll(async () => {
  await sb?.dispose();
});

interface Parsed {
  verb: "set" | "rm";
  path: boolean;
  secret: boolean;
  key: string;
  value?: string;
}

/** The argv a shell gives `pulumi` for this command line (quotes, `$(...)` and all), run in the work directory. */
async function shellArgv(command: string): Promise<string[]> {
  const r = await sb.shell(`argv() { printf '%s\\0' "$@"; }; argv ${command.replace(/^pulumi /, "")}`);
  expect(r.stderr).toBe("");
  return r.stdout.split("\0").slice(0, -1);
}

function parseArgv(argv: string[]): Parsed {
  expect(argv.slice(0, 1)).toEqual(["config"]);
  const verb = argv[1] as "set" | "rm";
  const flags = new Set<string>();
  const positional: string[] = [];
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") positional.push(...argv.slice(i + 1));
    if (a === "--") break;
    if (a === "--type") flags.add(`--type=${argv[++i]}`);
    else if (a.startsWith("-")) flags.add(a);
    else positional.push(a);
  }
  return { verb, path: flags.has("--path"), secret: flags.has("--secret"), key: positional[0]!, value: positional[1] };
}

type ConfigJson = Record<string, { value?: string; objectValue?: unknown; secret: boolean }>;

/** The selected stack's config as the CLI stores it. */
async function readConfig(): Promise<ConfigJson> {
  const r = await sb.pulumiOk(["config", "--json", "--show-secrets"]);
  return JSON.parse(r.stdout) as ConfigJson;
}

/** The stored value at a command's key: through the object for `--path`, else the literal top-level key. */
function storedAt(config: ConfigJson, p: Parsed): { found: boolean; value?: unknown; secret?: boolean } {
  const [head, ...rest] = p.path ? keyToPath(p.key) : [p.key];
  const entry = config[`${PROJECT}:${String(head)}`];
  if (!entry) return { found: false };
  let value: unknown = entry.objectValue ?? entry.value;
  for (const part of rest) {
    if (typeof value !== "object" || value === null || !(String(part) in value)) return { found: false };
    value = (value as Record<string, unknown>)[String(part)];
  }
  return { found: true, value, secret: entry.secret };
}

function schemaAt(path: readonly PropertyKey[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = stackConfigSchema;
  for (const part of path) s = s && child(s, part);
  return s;
}

/** What the user means by `value` at `path`: text for a text setting, else the number or boolean it spells. */
function intended(path: readonly PropertyKey[], value: string): unknown {
  if (isTextAt(stackConfigSchema, path)) return value;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === "true" || value === "false") return value === "true";
  return value;
}

/** Runs one told command for real and checks what it stored. */
async function runAndCheck(told: ToldCommand, substitute: (c: string) => string = (c) => c): Promise<void> {
  const command = substitute(told.command);
  const p = parseArgv(await shellArgv(command));
  const at = `${told.where}: ${command}`;
  // A nested setting needs --path: without it the CLI sets or removes the literal top-level key "a.b".
  expect(p.path || keyToPath(p.key).length === 1, `${at} needs --path`).toBe(true);
  if (p.verb === "rm") {
    // Something must be there to remove: set a valid value first, the way the README does.
    const example = /Key$/.test(p.key) ? hostKeyLine : exampleAt(stackConfigSchema, keyToPath(p.key))!;
    await sb.pulumiOk(["config", "set", ...(p.path ? ["--path"] : []), p.key, "--", example]);
    expect(storedAt(await readConfig(), p).found, at).toBe(true);
  }
  const r = await sb.shell(command);
  expect(r.code, `${at}\n${r.stderr}`).toBe(0);
  const stored = storedAt(await readConfig(), p);
  if (p.verb === "rm") {
    expect(stored.found, `${at} removed nothing`).toBe(false);
    return;
  }
  expect(stored.found, `${at} stored nothing at ${p.key}`).toBe(true);
  expect(stored.secret ?? false, at).toBe(p.secret);
  // A secret map (appSecrets) is set one entry at a time with --path; the CLI marks the whole key secret.
  const secretMap = p.path && String(keyToPath(p.key)[0]) in SECRET_KEYS;
  if (p.key in SECRET_KEYS || p.key === "composition" || secretMap) {
    expect(p.path, at).toBe(secretMap);
    expect(stored.value, at).toBe(p.value);
    return;
  }
  const path = keyToPath(p.key);
  const schema = schemaAt(path);
  expect(schema, `${at}: ${p.key} is not a setting`).toBeDefined();
  const parsed = schema!.safeParse(stored.value);
  expect(parsed.error?.issues, at).toBeUndefined();
  expect(parsed.data, at).toEqual(intended(path, p.value!));
}

/** A command with placeholders (`<value>`, `...`) or without a key/value: a pattern to fill in, not run. */
function isTemplate(command: string): boolean {
  if (/<[^>]*>|\.\.\./.test(command)) return true;
  const words = command.split(/\s+/).filter((w) => !w.startsWith("-"));
  return words.length < (words[2] === "rm" ? 4 : 5);
}

const docs = documentedCommands(PROJECT_DIR);
const hints = programHintSources(PROJECT_DIR);
const runnableDocs = docs.filter((c) => !isTemplate(c.command.replace("'ssh-ed25519 AAAA...'", "KEY")));

describe("the README's, docs' and stack files' config commands, run with the real CLI", () => {
  it("finds them", () => {
    expect(runnableDocs.length).toBeGreaterThan(15);
    expect(docs.map((c) => c.command)).toContain("pulumi config rm --path 'host.sshHostKey'");
  });

  it.each(runnableDocs.map((c) => [`${c.where} ${c.command}`, c] as const))("%s", async (_name, told) => {
    await runAndCheck(told, (c) => c.replace("'ssh-ed25519 AAAA...'", `'${hostKeyLine}'`));
  });

  it("templates (placeholders to fill in) spell nested keys with --path", () => {
    for (const c of docs.filter((d) => isTemplate(d.command))) {
      if (/'[^']*\.[^']*'/.test(c.command)) expect(c.command, c.where).toContain("--path");
    }
  });
});

describe("the program's fix hints, run with the real CLI", () => {
  it.each(hints.literal.map((c) => [`${c.where} ${c.command}`, c] as const))("%s", async (_n, told) => {
    await runAndCheck(told);
  });

  it.each(Object.entries(SECRET_KEYS))("the secret hint for %s", async (key, command) => {
    await runAndCheck({ where: `SECRET_KEYS.${key}`, command });
  });

  it.each(hints.setCalls.map((c) => [`${c.where} ${c.command}`, c] as const))("%s", async (_n, told) => {
    const [key, example] = JSON.parse(told.command) as [string, string];
    await runAndCheck({ where: told.where, command: setCommand(key, example) });
  });

  // The hint a schema error prints for each setting: the setting (its first element for a list, one entry for a
  // map) with its example value, exactly as parse.ts renders it.
  const generated = settingKeys(stackConfigSchema).flatMap((key) => {
    const target = fixTargetAt(stackConfigSchema, keyToPath(key));
    const example = exampleAt(stackConfigSchema, keyToPath(target));
    return example === undefined ? [] : [{ where: `schema ${target}`, command: setCommand(target, example) }];
  });
  // Examples such as 'ssh-ed25519 AAAA... you@laptop' show the form of a value, not one to paste.
  const runnableGenerated = generated.filter((c) => !isTemplate(c.command));

  it("covers most settings", () => {
    expect(generated.length).toBeGreaterThan(40);
  });

  it.each(runnableGenerated.map((c) => [c.command, c] as const))("%s", async (_n, told) => {
    await runAndCheck(told);
  });
});

describe("a config the CLI wrote, read by the program, and the program's fix run for real", () => {
  async function problemsNow(): Promise<{ key: string; fix: string }[]> {
    const config = await readConfig();
    const values: Record<string, string> = {};
    const secretKeys = new Set<string>();
    for (const [k, v] of Object.entries(config)) {
      values[k.slice(PROJECT.length + 1)] = v.objectValue !== undefined ? JSON.stringify(v.objectValue) : v.value!;
      if (v.secret) secretKeys.add(k.slice(PROJECT.length + 1));
    }
    try {
      parseStackConfig({ stack: "dev", values, secretKeys });
      return [];
    } catch (e) {
      return (e as { problems: { key: string; fix: string }[] }).problems;
    }
  }

  it("a nested key set without --path, and a setting that does not exist, are fixed by the printed commands", async () => {
    await sb.pulumiOk(["stack", "init", "fixes"]); // init selects the new stack
    try {
      await sb.shell("pulumi config set --path 'host.sshAllowedCidrs[0]' 203.0.113.10/32");
      await sb.shell("pulumi config set host.instanceType t3.small");
      await sb.shell("pulumi config set --path host.sshPort 22");
      const before = await problemsNow();
      expect(before.map((p) => p.key).sort()).toEqual(["host.instanceType", "host.sshPort"]);
      for (const p of before) expect((await sb.shell(p.fix)).code, p.fix).toBe(0);
      expect(await problemsNow()).toEqual([]);
      const host = JSON.parse((await sb.pulumiOk(["config", "get", "host"])).stdout) as Record<string, unknown>;
      expect(host).toEqual({ sshAllowedCidrs: ["203.0.113.10/32"], instanceType: "t3.small" });
    } finally {
      await sb.pulumi(["stack", "select", STACK]);
    }
  });

  it("mistyped keys set with the CLI are fixed by the printed commands, which carry the values written", async () => {
    await sb.pulumiOk(["stack", "init", "typos"]);
    try {
      await sb.shell("pulumi config set --path 'host.sshAllowedCidrs[0]' 203.0.113.10/32");
      await sb.shell("pulumi config set --path 'database.engin' mysql");
      await sb.shell("pulumi config set --path 'registry.gc.onCalendr' 'Mon *-*-* 04:15:00'");
      await sb.shell("pulumi config set --path 'aws.allowedAccountId[0]' --type string 012345678901");
      const before = await problemsNow();
      expect(before.map((p) => p.key).sort()).toEqual([
        "aws.allowedAccountId",
        "database.engin",
        "registry.gc.onCalendr",
      ]);
      for (const p of before) expect((await sb.shell(p.fix)).code, p.fix).toBe(0);
      expect(await problemsNow()).toEqual([]);
      const config = await readConfig();
      expect(config[`${PROJECT}:database`]!.objectValue).toEqual({ engine: "mysql" });
      expect(config[`${PROJECT}:registry`]!.objectValue).toEqual({ gc: { onCalendar: "Mon *-*-* 04:15:00" } });
      expect(config[`${PROJECT}:aws`]!.objectValue).toEqual({ allowedAccountIds: ["012345678901"] });
    } finally {
      await sb.pulumi(["stack", "select", STACK]);
    }
  });

  it("digit-only text set with --path the way a user types it is accepted with the intended text", async () => {
    await sb.pulumiOk(["stack", "init", "digits"]);
    try {
      await sb.shell("pulumi config set --path 'host.sshAllowedCidrs[0]' 203.0.113.10/32");
      await sb.shell("pulumi config set --path 'aws.allowedAccountIds[0]' 123456789012");
      await sb.shell("pulumi config set --path 'database.engineVersion' 16");
      // The CLI stored numbers ...
      const raw = await readConfig();
      expect(raw[`${PROJECT}:aws`]!.objectValue).toEqual({ allowedAccountIds: [123456789012] });
      expect(raw[`${PROJECT}:database`]!.objectValue).toEqual({ engineVersion: 16 });
      // ... and the program reads the intended text.
      expect(await problemsNow()).toEqual([]);
    } finally {
      await sb.pulumi(["stack", "select", STACK]);
    }
  });
});

// Under `set -o pipefail` (every script here), a pipe into a reader that stops early (`grep -q`, `grep -m`, `head`)
// can kill the writer with SIGPIPE, and the pipeline then fails although the reader found what it looked for. It
// happens at random (measured with bash 5.2: `printf '%s\n' "${list[@]}" | grep -qxF "$first"` failed about once
// in 2,000 on a 1 KiB list), and install-files once removed installed files that way. Scripts capture the output
// first and match it with a here-string, or use a lookup; a pipe into an early reader is allowed only where its
// failure is ignored (`|| true`).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderProvisionPlan } from "../../components/registryHost/render/index.js";
import { sampleInput } from "../integration/support/host-input.js";
import { PROJECT_DIR } from "./support/runStack";

/** A pipe into a command that may exit before reading all its input. */
const EARLY_READER = /\|\s*(?:grep\b[^|]*\s(?:-[a-zA-Z]*[qm][a-zA-Z0-9]*|--quiet|--silent|--max-count\b)|head\b)/;
/** The pipeline's failure is ignored, so an early exit cannot change what the script does. */
const FAILURE_IGNORED = /\|\|\s*true\s*;?\s*\}?\s*$/;

/** "line N: text" for every line of `script` that pipes into an early reader and does not ignore the failure. */
function earlyReaderPipes(script: string): string[] {
  return script
    .split("\n")
    .map((line, i) => ({ line, n: i + 1 }))
    .filter(({ line }) => !/^\s*#/.test(line) && EARLY_READER.test(line) && !FAILURE_IGNORED.test(line))
    .map(({ line, n }) => `line ${n}: ${line.trim()}`);
}

describe("earlyReaderPipes", () => {
  it.each([
    `if ! printf '%s\\n' "\${wanted[@]}" | grep -qxF "$old"; then`,
    `openssl x509 -in "$f" -noout -subject | grep -qF "$CN"`,
    `docker ps --format '{{.ID}}' | head -n1`,
    `journalctl -u x | grep -m1 error`,
    `readelf -l /bin/busybox | grep --quiet interp`,
  ])("finds %s", (line) => {
    expect(earlyReaderPipes(`set -euo pipefail\n${line}\n`)).toEqual([`line 2: ${line}`]);
  });

  it.each([
    `grep -qxF -- "$name" <<<"$held"`,
    `docker port "$1" "$PORT/tcp" 2>/dev/null | grep -m1 '^127' || true; }`,
    `hist kept | awk '$2 == d { found = 1 } END { exit !found }'`,
    `# a comment may say: printf x | grep -q y`,
    `apt-mark showhold | sort`,
  ])("passes %s", (line) => {
    expect(earlyReaderPipes(line)).toEqual([]);
  });
});

describe("no script pipes into a reader that stops early", () => {
  const tracked = execFileSync("git", ["ls-files", "*.bash", "*.sh"], { cwd: PROJECT_DIR, encoding: "utf8" })
    .split("\n")
    .filter(Boolean);

  it("finds the scripts", () => {
    expect(tracked).toContain("components/registryHost/render/scripts/lib/install-files.bash");
    expect(tracked).toContain("scripts/test/ensure-tools.sh");
  });

  it.each(tracked)("%s", (file) => {
    expect(earlyReaderPipes(readFileSync(join(PROJECT_DIR, file), "utf8"))).toEqual([]);
  });

  // What the hosts run, assembled (steps' scripts and the scripts shipped as files), for both compositions.
  const plans = { dev: renderProvisionPlan(sampleInput("dev")), prod: renderProvisionPlan(sampleInput("prod")) };
  it.each(Object.entries(plans))("the %s plan's rendered scripts", (_name, plan) => {
    const scripts = [
      ...plan.steps.map((s) => ({ where: s.name, text: s.stdin ?? "" })),
      ...plan.files.filter((f) => f.content.startsWith("#!")).map((f) => ({ where: f.path, text: f.content })),
    ];
    expect(scripts.length).toBeGreaterThan(4);
    expect(scripts.flatMap(({ where, text }) => earlyReaderPipes(text).map((p) => `${where} ${p}`))).toEqual([]);
  });
});

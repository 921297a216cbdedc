import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { createInterface } from "node:readline/promises";
import type { DeployIo } from "./run.js";

/** True when a person can answer a prompt: a terminal on stdin and not a CI run (`CI` is set by every CI). */
export function isInteractive(env: NodeJS.ProcessEnv, stdinIsTty: boolean): boolean {
  const ci = env.CI ?? "";
  return stdinIsTty && (ci === "" || ci === "0" || ci.toLowerCase() === "false");
}

/** The real process: stdout/stderr, files (parent directories created), a readline prompt. */
export function processIo(): DeployIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    async writeFile(path, content) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content, { mode: 0o644 });
    },
    async appendFile(path, content) {
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, content);
    },
    interactive: isInteractive(process.env, process.stdin.isTTY === true),
    async confirm(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await rl.question(question)).trim());
      } finally {
        rl.close();
      }
    },
  };
}

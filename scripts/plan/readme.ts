// `npm run docs:diagrams`: plans dev and prod, writes their diagrams side by side as Mermaid sources
// (docs/diagrams/traffic.mmd: how traffic reaches each stack; docs/diagrams/dependencies.mmd: which component
// depends on which) and renders each to SVG beside it with @mermaid-js/mermaid-cli and the system's Chromium.
// Each SVG carries the SHA-256 of its source; a unit test fails when a source differs from what the program plans
// or an SVG was not rendered from the current source.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { combineCharts } from "./traffic";

/** The stacks drawn, left to right. */
export const DIAGRAM_STACKS = ["dev", "prod"] as const;

/** The diagrams: name -> the file the plan writes for each stack. */
export const DIAGRAMS = { traffic: "traffic.mmd", dependencies: "architecture.mmd" } as const;
export type DiagramName = keyof typeof DIAGRAMS;

export const DIAGRAM_DIR = "docs/diagrams";

/** The comment an SVG carries to say which source it was rendered from. */
export function sourceStamp(source: string): string {
  return `<!-- rendered from ${createHash("sha256").update(source).digest("hex")} by npm run docs:diagrams -->`;
}

/** The SVG as checked in: the stamp of its source first, then what the renderer wrote. */
export function stampSvg(svg: string, source: string): string {
  return `${sourceStamp(source)}\n${svg.replace(/^<!-- rendered from [0-9a-f]{64} [^\n]*\n/, "")}`;
}

/** The Chromium the renderer drives: $CHROMIUM_PATH, else Debian's. */
function chromium(): string {
  const path = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(path)) {
    throw new Error(
      `docs:diagrams renders with Chromium and found none at ${path}: install Debian's package ` +
        "(apt-get install chromium) or set CHROMIUM_PATH to a Chrome/Chromium binary.",
    );
  }
  return path;
}

/** Renders `source` (Mermaid) to SVG text with mermaid-cli in headless Chromium. */
function render(projectDir: string, work: string, name: string, source: string): string {
  const config = join(work, "puppeteer.json");
  // Chromium refuses to start its sandbox as root; the input is our own generated diagram, not web content.
  const args = process.getuid?.() === 0 ? ["--no-sandbox"] : [];
  writeFileSync(config, JSON.stringify({ executablePath: chromium(), args }));
  const input = join(work, `${name}.mmd`);
  const output = join(work, `${name}.svg`);
  writeFileSync(input, source);
  const run = spawnSync(
    process.execPath,
    [
      join(dirname(require.resolve("@mermaid-js/mermaid-cli")), "cli.js"),
      "-i",
      input,
      "-o",
      output,
      "-p",
      config,
      "-q",
    ],
    { cwd: projectDir, stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: "1" } },
  );
  if (run.status !== 0) throw new Error(`rendering ${name} failed (exit ${run.status})`);
  return readFileSync(output, "utf8");
}

/** The checked-in source of a diagram from the stacks' charts (in DIAGRAM_STACKS order). */
export function diagramSource(charts: string[]): string {
  // ELK places the box defined last leftmost: define them right to left so dev reads first.
  return combineCharts([...charts].reverse());
}

if (require.main === module) {
  const projectDir = resolve(__dirname, "../..");
  const work = mkdtempSync(join(tmpdir(), "docs-diagrams-"));
  try {
    for (const stack of DIAGRAM_STACKS) {
      const run = spawnSync(
        process.execPath,
        ["--require", "tsx/cjs", "scripts/plan/cli.ts", "--stack", stack, "--out", join(work, stack)],
        { cwd: projectDir, stdio: ["ignore", "ignore", "inherit"] },
      );
      if (run.status !== 0) throw new Error(`plan of ${stack} failed (exit ${run.status})`);
    }
    for (const [name, file] of Object.entries(DIAGRAMS)) {
      const source = diagramSource(DIAGRAM_STACKS.map((s) => readFileSync(join(work, s, file), "utf8")));
      writeFileSync(join(projectDir, DIAGRAM_DIR, `${name}.mmd`), source);
      const svg = render(projectDir, work, name, source);
      writeFileSync(join(projectDir, DIAGRAM_DIR, `${name}.svg`), stampSvg(svg, source));
      console.log(`${DIAGRAM_DIR}/${name}.mmd and ${name}.svg written`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

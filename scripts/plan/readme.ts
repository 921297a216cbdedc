// `npm run docs:diagrams`: re-plans dev and prod and writes their architecture diagrams into README.md between the
// `<!-- architecture:<stack>:start -->` / `<!-- architecture:<stack>:end -->` markers. A unit test fails when the
// README's diagrams differ from the generated ones, so they cannot drift.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The README text with `stack`'s diagram block replaced by `diagram`. Throws when the markers are missing. */
export function withDiagram(readme: string, stack: string, diagram: string): string {
  const start = `<!-- architecture:${stack}:start -->`;
  const end = `<!-- architecture:${stack}:end -->`;
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) throw new Error(`README.md has no ${start} ... ${end} block`);
  return `${readme.slice(0, i + start.length)}\n\`\`\`mermaid\n${diagram}\`\`\`\n${readme.slice(j)}`;
}

/** The diagram currently in the README for `stack`. */
export function diagramIn(readme: string, stack: string): string {
  const match = readme.match(
    new RegExp(
      `<!-- architecture:${stack}:start -->\\n\`\`\`mermaid\\n([\\s\\S]*?)\`\`\`\\n<!-- architecture:${stack}:end -->`,
    ),
  );
  if (!match) throw new Error(`README.md has no mermaid block for the ${stack} architecture`);
  return match[1]!;
}

if (require.main === module) {
  const projectDir = resolve(__dirname, "../..");
  const out = mkdtempSync(join(tmpdir(), "readme-diagrams-"));
  let readme = readFileSync(join(projectDir, "README.md"), "utf8");
  for (const stack of ["dev", "prod"]) {
    const run = spawnSync(
      process.execPath,
      ["--require", "tsx/cjs", "scripts/plan/cli.ts", "--stack", stack, "--out", join(out, stack)],
      { cwd: projectDir, stdio: ["ignore", "ignore", "inherit"] },
    );
    if (run.status !== 0) throw new Error(`plan of ${stack} failed (exit ${run.status})`);
    readme = withDiagram(readme, stack, readFileSync(join(out, stack, "architecture.mmd"), "utf8"));
  }
  writeFileSync(join(projectDir, "README.md"), readme);
  rmSync(out, { recursive: true, force: true });
  console.log("README.md diagrams updated");
}

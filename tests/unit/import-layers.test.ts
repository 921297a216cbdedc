import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { folderOf, graphOf, importCycles, projectImportGraph } from "./support/importGraph";

const PROJECT_DIR = resolve(__dirname, "../..");
const graph = projectImportGraph(PROJECT_DIR);

/**
 * What each folder may import from the project, lowest first: policy/ is the floor (the pack runs on its own,
 * from its directory), components/ build on it, stacks/ compose components, scripts/ and tests/ drive everything.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  policy: ["policy"],
  components: ["components", "policy"],
  stacks: ["stacks", "components", "policy"],
};

describe("the import graph", () => {
  it("reads the whole project", () => {
    expect(graph.size).toBeGreaterThan(200);
    expect(graph.get("stacks/program.ts")).toContain("stacks/dev.ts");
  });

  it("has no import circle among the project's files", () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it.each(Object.entries(MAY_IMPORT))("%s/ imports only from %j", (folder, allowed) => {
    const upward = [...graph]
      .filter(([file]) => folderOf(file) === folder)
      .flatMap(([file, deps]) => deps.filter((d) => !allowed.includes(folderOf(d))).map((d) => `${file} -> ${d}`));
    expect(upward).toEqual([]);
  });
});

describe("the cycle finder", () => {
  const g = (edges: Record<string, string[]>) => new Map(Object.entries(edges));

  it("finds a three-file circle and a self-import, not a diamond", () => {
    const cycles = importCycles(
      g({ a: ["b", "d"], b: ["c"], c: ["a"], d: ["e"], e: [], f: ["f"], x: ["y", "z"], y: ["w"], z: ["w"], w: [] }),
    );
    expect(cycles).toEqual([["a", "b", "c"], ["f"]]);
  });

  it("counts type-only imports and re-exports as edges", () => {
    const dir = resolve(PROJECT_DIR, "stacks");
    const graph = graphOf(
      new Map([
        [resolve(dir, "compose.ts"), 'import type { A } from "./host";\nexport { B } from "./types";'],
        [resolve(dir, "host.ts"), 'const m = require("./program");\nvoid import("./dev");'],
      ]),
    );
    expect(graph.get(resolve(dir, "compose.ts"))).toEqual([resolve(dir, "host.ts"), resolve(dir, "types.ts")]);
    expect(graph.get(resolve(dir, "host.ts"))).toEqual([resolve(dir, "program.ts"), resolve(dir, "dev.ts")]);
  });
});

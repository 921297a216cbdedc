// The project's own import graph, read with the TypeScript compiler's pre-processor (every `import`, `import type`,
// `export ... from`, `require()` and `import()`), for the tests that keep the folders layered and free of circles.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/** file (relative to the project, `/`-separated) -> the project files it imports. */
export type ImportGraph = Map<string, string[]>;

const SKIPPED_DIRS = new Set(["node_modules", "plan", "bench-results"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return SKIPPED_DIRS.has(e.name) || e.name.startsWith(".") ? [] : sourceFiles(p);
    return /\.m?ts$/.test(e.name) && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

/** Where a relative specifier lands (TypeScript's resolution for our files: as-is, `.ts`, `/index.ts`, `.js` -> `.ts`). */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = resolve(dirname(from), specifier);
  const candidates = [base, `${base}.ts`, join(base, "index.ts"), base.replace(/\.js$/, ".ts")];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/** The import graph of the TypeScript files under `projectDir`, given as the source texts by path. */
export function graphOf(sources: ReadonlyMap<string, string>): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const [file, text] of sources) {
    const { importedFiles } = ts.preProcessFile(text, true, true);
    graph.set(
      file,
      importedFiles.map((i) => resolveSpecifier(file, i.fileName)).filter((f): f is string => f !== undefined),
    );
  }
  return graph;
}

/** The project's import graph, keys and targets relative to `projectDir`. */
export function projectImportGraph(projectDir: string): ImportGraph {
  const sources = new Map(sourceFiles(projectDir).map((f) => [f, readFileSync(f, "utf8")] as const));
  const rel = (f: string) => relative(projectDir, f).split("\\").join("/");
  return new Map([...graphOf(sources)].map(([f, deps]) => [rel(f), deps.map(rel)]));
}

/** Every import circle: the strongly connected components with more than one file, or a file importing itself. */
export function importCycles(graph: ImportGraph): string[][] {
  // Tarjan's algorithm, iterative so a deep chain cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; i: number }[] = [{ node: start, i: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const deps = graph.get(frame.node) ?? [];
      if (frame.i < deps.length) {
        const dep = deps[frame.i++]!;
        if (!index.has(dep)) {
          index.set(dep, next);
          low.set(dep, next++);
          stack.push(dep);
          onStack.add(dep);
          work.push({ node: dep, i: 0 });
        } else if (onStack.has(dep)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(dep)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        if (component.length > 1 || deps.includes(frame.node)) cycles.push(component.sort());
      }
    }
  }
  return cycles;
}

/** The top-level folder of a project file (`(root)` for files at the top). */
export function folderOf(file: string): string {
  const parts = file.split("/");
  return parts.length > 1 ? parts[0]! : "(root)";
}

// How long the project's functions are, read from the TypeScript syntax tree: every function declaration, method,
// constructor, accessor, function expression and arrow function, from its first line to its last (a nested function
// counts inside its parent too). `node --require tsx/cjs tests/unit/support/functionLengths.ts` prints the long ones.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";

/** One function and its length in lines. */
export interface FunctionLength {
  /** `file:line name`, e.g. `components/registryHost/registryHost.ts:120 RegistryHost.constructor`. */
  readonly where: string;
  readonly file: string;
  readonly name: string;
  readonly lines: number;
  readonly constructor: boolean;
}

/** Functions longer than this many lines are hard to hold in one's head (non-test code). */
export const MAX_FUNCTION_LINES = 80;
/** A constructor reads as the list of what it builds: named steps, no longer than this. */
export const MAX_CONSTRUCTOR_LINES = 60;

const SKIPPED_DIRS = new Set(["node_modules", "plan", "bench-results", "tests"]);

/** The project's non-test TypeScript files (everything outside tests/), relative to `projectDir`. */
export function nonTestSources(projectDir: string, dir = projectDir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return SKIPPED_DIRS.has(e.name) || e.name.startsWith(".") ? [] : nonTestSources(projectDir, p);
    return /\.m?ts$/.test(e.name) && !e.name.endsWith(".d.ts") ? [relative(projectDir, p)] : [];
  });
}

function nameOf(node: ts.Node): string {
  const named = (n: ts.Node | undefined): string | undefined =>
    n && (ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isPrivateIdentifier(n)) ? n.text : undefined;
  const owner = (n: ts.Node): string | undefined => {
    const cls = ts.findAncestor(n.parent, ts.isClassLike);
    return cls?.name?.text;
  };
  if (ts.isConstructorDeclaration(node)) return `${owner(node) ?? "(class)"}.constructor`;
  if (ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node)) {
    return `${owner(node) ?? "(object)"}.${named(node.name) ?? "(computed)"}`;
  }
  if (ts.isFunctionDeclaration(node)) return named(node.name) ?? "(default)";
  // A function expression or arrow: named by what it is assigned to or passed to.
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    return named(parent.name) ?? "(anonymous)";
  }
  if (ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText().slice(0, 40)})`;
  return "(anonymous)";
}

/** Every function of one source text with its length. */
export function functionLengths(file: string, text: string): FunctionLength[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: FunctionLength[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = nameOf(node);
      out.push({
        where: `${file}:${start + 1} ${name}`,
        file,
        name,
        lines: end - start + 1,
        constructor: ts.isConstructorDeclaration(node),
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Every function of the project's non-test code. */
export function projectFunctionLengths(projectDir: string): FunctionLength[] {
  return nonTestSources(projectDir).flatMap((f) => functionLengths(f, readFileSync(join(projectDir, f), "utf8")));
}

/** The functions over the limits: any over MAX_FUNCTION_LINES, constructors over MAX_CONSTRUCTOR_LINES. */
export function overLimits(all: readonly FunctionLength[]): FunctionLength[] {
  return all
    .filter((f) => f.lines > (f.constructor ? MAX_CONSTRUCTOR_LINES : MAX_FUNCTION_LINES))
    .sort((a, b) => b.lines - a.lines);
}

if (require.main === module) {
  const all = projectFunctionLengths(resolve(__dirname, "../../.."));
  const long = overLimits(all);
  console.log(
    `${all.length} functions in non-test code; over the limits (${MAX_FUNCTION_LINES} lines, constructors ${MAX_CONSTRUCTOR_LINES}): ${long.length}`,
  );
  for (const f of long) console.log(`${String(f.lines).padStart(5)}  ${f.where}`);
}

import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  functionLengths,
  MAX_CONSTRUCTOR_LINES,
  MAX_FUNCTION_LINES,
  overLimits,
  projectFunctionLengths,
} from "./support/functionLengths";

const PROJECT_DIR = resolve(__dirname, "../..");

describe(`no non-test function over ${MAX_FUNCTION_LINES} lines, no constructor over ${MAX_CONSTRUCTOR_LINES}`, () => {
  it("every function in the project is within the limits", () => {
    const over = overLimits(projectFunctionLengths(PROJECT_DIR));
    expect(over.map((f) => `${f.where}: ${f.lines} lines`)).toEqual([]);
  });
});

describe("the counter", () => {
  it("counts declarations, methods, constructors and arrows from their first line to their last", () => {
    const text = [
      "export function a() {", // 1
      "  const inner = () => {", // 2
      "    return 1;", // 3
      "  };", // 4
      "  return inner();", // 5
      "}", // 6
      "class C {", // 7
      "  constructor() {", // 8
      "    void 0;", // 9
      "  }", // 10
      "  m(): void {}", // 11
      "}", // 12
      "declare function d(): void;", // 13: no body, not counted
    ].join("\n");
    expect(functionLengths("x.ts", text).map((f) => [f.name, f.lines, f.constructor])).toEqual([
      ["a", 6, false],
      ["inner", 3, false],
      ["C.constructor", 3, true],
      ["C.m", 1, false],
    ]);
  });

  it("holds a constructor to the tighter limit", () => {
    const body = Array.from({ length: MAX_CONSTRUCTOR_LINES }, () => "    void 0;").join("\n");
    const long = functionLengths("y.ts", `class K {\n  constructor() {\n${body}\n  }\n}`);
    expect(overLimits(long).map((f) => f.name)).toEqual(["K.constructor"]);
  });
});

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROJECT_DIR } from "./support/runStack";

const project = parse(readFileSync(join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as {
  name: string;
  main: string;
  runtime: { name: string; options: { typescript: boolean; nodeargs: string } };
};

describe("Pulumi.yaml runtime", () => {
  it("is the project startup-infra on nodejs, without the SDK's ts-node", () => {
    expect(project.name).toBe("startup-infra");
    expect(project.runtime.name).toBe("nodejs");
    expect(project.runtime.options.typescript).toBe(false);
  });

  it("loads the entry point with the declared node arguments, as the language host requires it: a program function", () => {
    const script = `const m = require(${JSON.stringify(join(PROJECT_DIR, project.main))}); process.stdout.write(typeof m);`;
    const result = spawnSync(process.execPath, [...project.runtime.options.nodeargs.split(" "), "-e", script], {
      cwd: PROJECT_DIR,
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("function");
  });
});

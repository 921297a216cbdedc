// Every rendered provisioning script (each step's whole stdin, for dev and prod) passes the real shellcheck and
// `bash -n`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderProvisionPlan } from "../../components/registryHost/render/index.js";
import { sampleInput } from "../integration/support/host-input.js";

const dir = mkdtempSync(join(tmpdir(), "host-shellcheck-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plans = {
  dev: renderProvisionPlan(sampleInput("dev", { healthCheckCredential: { user: "ci", password: `p"a'ss\\word` } })),
  prod: renderProvisionPlan(sampleInput("prod")),
  "prod-no-gc": renderProvisionPlan(sampleInput("prod", { gcEnabled: false })),
  "prod-acme": renderProvisionPlan({
    ...sampleInput("prod"),
    tls: undefined,
    acme: { email: "ops@example.com", directoryUrl: "https://acme.example/dir", challenge: "http-01" },
  }),
};

describe.each(Object.entries(plans))("%s scripts", (name, plan) => {
  it.each(plan.steps.map((s) => [s.name, s.stdin!] as const))("%s passes shellcheck and bash -n", (step, stdin) => {
    const file = join(dir, `${name}-${step}.sh`);
    writeFileSync(file, stdin);
    const sc = spawnSync("shellcheck", ["--shell=bash", "--severity=style", file], { encoding: "utf8" });
    expect(sc.error).toBeUndefined();
    expect(sc.stdout + sc.stderr).toBe("");
    expect(sc.status).toBe(0);
    const syntax = spawnSync("bash", ["-n", file], { encoding: "utf8" });
    expect(syntax.stderr).toBe("");
    expect(syntax.status).toBe(0);
  });
});

it("the GC script shipped as a host file passes shellcheck too", () => {
  const gc = plans.prod.files.find((f) => f.path === "/usr/local/sbin/registry-gc.sh")!;
  const file = join(dir, "registry-gc.sh");
  writeFileSync(file, gc.content);
  const sc = spawnSync("shellcheck", [file], { encoding: "utf8" });
  expect(sc.stdout + sc.stderr).toBe("");
  expect(sc.status).toBe(0);
});

it("the ACME tool shipped as a host file passes shellcheck (style level) and bash -n", () => {
  const tool = plans["prod-acme"].files.find((f) => f.path === "/usr/local/sbin/registry-acme")!;
  const file = join(dir, "registry-acme");
  writeFileSync(file, tool.content);
  const sc = spawnSync("shellcheck", ["--severity=style", file], { encoding: "utf8" });
  expect(sc.stdout + sc.stderr).toBe("");
  expect(sc.status).toBe(0);
  expect(spawnSync("bash", ["-n", file], { encoding: "utf8" }).status).toBe(0);
});

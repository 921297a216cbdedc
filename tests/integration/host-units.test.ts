// The RENDERED systemd units (registry.service and the GC service/timer) checked by the real `systemd-analyze
// verify` (PID 1 is not systemd here, so they cannot run): in a scratch root holding systemd's own units, a stub
// /usr/bin/docker and a stub docker.service (no Docker engine here), so only our files can produce findings.
import { chmod, cp, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderProvisionPlan } from "../../components/registryHost/render/index.js";
import { makeTempDir, removeDir, run } from "./support/index.js";
import { writeHostFiles } from "./support/host-files.js";
import { sampleInput } from "./support/host-input.js";

let work: string;

beforeAll(async () => {
  work = await makeTempDir("host-units-");
});

afterAll(async () => {
  await removeDir(work);
});

/** A root with systemd's units, a stub docker binary and docker.service, plus `files`; returns it. */
async function unitRoot(name: string, files: Parameters<typeof writeHostFiles>[1]): Promise<string> {
  const root = join(work, name);
  await mkdir(join(root, "usr/bin"), { recursive: true });
  await mkdir(join(root, "bin"), { recursive: true });
  await mkdir(join(root, "etc/systemd/system"), { recursive: true });
  await mkdir(join(root, "lib/systemd"), { recursive: true });
  await cp("/lib/systemd/system", join(root, "lib/systemd/system"), { recursive: true, verbatimSymlinks: true });
  await cp("/bin/sh", join(root, "bin/sh"));
  await writeFile(join(root, "usr/bin/docker"), "#!/bin/sh\n");
  await chmod(join(root, "usr/bin/docker"), 0o755);
  await writeFile(
    join(root, "etc/systemd/system/docker.service"),
    "[Unit]\nDescription=stub\n[Service]\nExecStart=/usr/bin/docker\n",
  );
  await writeHostFiles(root, files);
  return root;
}

async function verify(root: string, units: string[]) {
  return run("systemd-analyze", ["verify", `--root=${root}`, ...units]);
}

describe.each(["dev", "prod"] as const)("%s units", (composition) => {
  it("registry.service, registry-gc.service and registry-gc.timer verify without findings", async () => {
    const plan = renderProvisionPlan(sampleInput(composition));
    const files = plan.files.filter((f) => f.path.startsWith("/etc/systemd/") || f.path.startsWith("/usr/local/sbin/"));
    const root = await unitRoot(composition, files);
    const r = await verify(root, ["registry.service", "registry-gc.service", "registry-gc.timer"]);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});

it("the check finds a broken unit (so a clean result means something)", async () => {
  const plan = renderProvisionPlan(sampleInput("prod"));
  const unit = plan.files.find((f) => f.path === "/etc/systemd/system/registry.service")!;
  const root = await unitRoot("broken", [
    { ...unit, content: unit.content.replace("Restart=always", "Restart=sometimes") },
  ]);
  const r = await verify(root, ["registry.service"]);
  expect(r.stderr).toContain("Failed to parse service restart specifier");
});

it("prod with ACME: registry-acme-issue/renew services and timers verify without findings", async () => {
  const plan = renderProvisionPlan({
    ...sampleInput("prod"),
    tls: undefined,
    acme: { email: "ops@example.com", directoryUrl: "https://acme.example/dir", challenge: "http-01" },
  });
  const files = plan.files.filter((f) => f.path.startsWith("/etc/systemd/") || f.path.startsWith("/usr/local/sbin/"));
  const root = await unitRoot("prod-acme", files);
  const units = ["registry-acme-issue.service", "registry-acme-issue.timer"];
  const r = await verify(root, [...units, "registry-acme-renew.service", "registry-acme-renew.timer"]);
  expect(r.stdout + r.stderr).toBe("");
  expect(r.code).toBe(0);
});

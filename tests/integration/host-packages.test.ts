// install-packages, as rendered, run by bash with apt doubles on PATH (installing real packages would change this
// machine): pinned specs, nginx kept from starting while apt runs, holds, and a second run that calls apt not at all.
import { lstat, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PACKAGE_VERSIONS, renderInstallPackagesScript } from "../../components/registryHost/render/index.js";
import { makeTempDir, removeDir, run } from "./support/index.js";
import { writeFakeApt } from "./support/host-apt.js";
import { writeFakeSystemctl } from "./support/host-fakes.js";
import { sampleInput } from "./support/host-input.js";

let work: string;

beforeAll(async () => {
  work = await makeTempDir("host-packages-");
});

afterAll(async () => {
  await removeDir(work);
});

async function runScript(dir: string, script: string, pathPrefix: string, systemctl: string) {
  const root = join(dir, "root");
  await mkdir(join(root, "usr/sbin"), { recursive: true });
  return run("bash", ["-s", "--", "--root", root, "--systemctl", systemctl], {
    input: script,
    env: { ...process.env, PATH: `${pathPrefix}:${process.env.PATH ?? ""}` },
  });
}

describe("install-packages (prod)", () => {
  it("installs pinned docker.io and nginx once, with nginx kept from starting, holds them, then changes nothing", async () => {
    const dir = join(work, "prod");
    const apt = await writeFakeApt(join(dir, "apt"), join(dir, "root"));
    const systemctl = await writeFakeSystemctl(join(dir, "systemd"));
    const script = renderInstallPackagesScript(sampleInput("prod"));
    const docker = `docker.io=${DEFAULT_PACKAGE_VERSIONS.docker}`;
    const nginx = `nginx=${DEFAULT_PACKAGE_VERSIONS.nginx}`;

    const first = await runScript(dir, script, apt.bin, systemctl.path);
    expect(first.code, first.stderr).toBe(0);
    const calls = await apt.calls();
    expect(calls.filter((c) => c.startsWith("apt-get"))).toEqual([
      expect.stringMatching(/^apt-get .*-o DPkg::Lock::Timeout=600 .* update -qq$/),
      expect.stringMatching(
        new RegExp(
          `--force-confold install .*${docker.replace(/[.+]/g, "\\$&")} ${nginx.replace(/[.+]/g, "\\$&")} policy-rc.d=present nginx:101 docker:0$`,
        ),
      ),
    ]);
    expect(calls).toContain("apt-mark hold docker.io");
    expect(calls).toContain("apt-mark hold nginx");
    await expect(lstat(join(dir, "root/usr/sbin/policy-rc.d"))).rejects.toThrow(); // removed after apt
    expect(await systemctl.calls()).toContain("enable docker.service");

    const before = (await apt.calls()).length;
    const second = await runScript(dir, script, apt.bin, systemctl.path);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("install-packages: no change");
    expect((await apt.calls()).slice(before)).toEqual(["apt-mark showhold"]);
  });

  it("moves a package whose installed version differs from the pin, and only that one", async () => {
    const dir = join(work, "upgrade");
    const apt = await writeFakeApt(join(dir, "apt"), join(dir, "root"), {
      "docker.io": DEFAULT_PACKAGE_VERSIONS.docker,
      nginx: "1.24.0-2ubuntu1",
    });
    const systemctl = await writeFakeSystemctl(join(dir, "systemd"));
    const r = await runScript(dir, renderInstallPackagesScript(sampleInput("prod")), apt.bin, systemctl.path);
    expect(r.code, r.stderr).toBe(0);
    const install = (await apt.calls()).filter((c) => c.includes(" install "));
    expect(install).toHaveLength(1);
    expect(install[0]).toContain(`nginx=${DEFAULT_PACKAGE_VERSIONS.nginx}`);
    expect(install[0]).not.toContain("docker.io=");
  });
});

describe("install-packages (dev)", () => {
  it("installs only docker.io, and an empty pin means the archive's version, unheld", async () => {
    const dir = join(work, "dev");
    const apt = await writeFakeApt(join(dir, "apt"), join(dir, "root"));
    const systemctl = await writeFakeSystemctl(join(dir, "systemd"));
    const input = { ...sampleInput("dev"), packages: { docker: "" } };
    const r = await runScript(dir, renderInstallPackagesScript(input), apt.bin, systemctl.path);
    expect(r.code, r.stderr).toBe(0);
    const calls = await apt.calls();
    const install = calls.filter((c) => c.includes(" install "));
    expect(install).toHaveLength(1);
    expect(install[0]).toMatch(/ docker\.io policy-rc\.d=present nginx:0 docker:0$/);
    expect(calls.some((c) => c.startsWith("apt-mark hold"))).toBe(false);
  });
});

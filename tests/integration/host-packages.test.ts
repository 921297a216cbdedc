// install-packages, as rendered, run by bash with apt doubles on PATH (installing real packages would change this
// machine). The doubles resolve like apt against what Ubuntu 24.04 serves (support/host-apt.ts: candidates from
// -updates/-security, nginx -> nginx-common of the same version), so an exact pin on a release build fails here as it
// does on a real host. Checked: current builds installed, no pins, no holds (old ones released), unattended-upgrades
// on for the security pocket, nginx kept from starting while apt runs, a second run that calls apt not at all.
import { lstat, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTO_UPGRADES_PATH, renderInstallPackagesScript } from "../../components/registryHost/render/index.js";
import { makeTempDir, removeDir, run } from "./support/index.js";
import { NOBLE_ARCHIVE, writeFakeApt } from "./support/host-apt.js";
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

describe("the apt double behaves like noble's apt", () => {
  it("refuses the old exact pin nginx=1.24.0-2ubuntu7 (nginx-common would have to step back)", async () => {
    const dir = join(work, "old-pin");
    const apt = await writeFakeApt(join(dir, "apt"), join(dir, "root"));
    const r = await run(join(apt.bin, "apt-get"), [
      "install",
      "-y",
      "docker.io=24.0.7-0ubuntu4",
      "nginx=1.24.0-2ubuntu7",
    ]);
    expect(r.code).toBe(100);
    expect(r.stderr).toMatch(/nginx : Depends: nginx-common \(= 1\.24\.0-2ubuntu7\) but 1\.24\.0-2ubuntu7\.5/);
    expect(await apt.installed()).toEqual({});
  });
});

describe("install-packages (prod)", () => {
  it("installs the current docker.io, nginx and unattended-upgrades, holds nothing, then changes nothing", async () => {
    const dir = join(work, "prod");
    const apt = await writeFakeApt(join(dir, "apt"), join(dir, "root"));
    const systemctl = await writeFakeSystemctl(join(dir, "systemd"));
    const script = renderInstallPackagesScript(sampleInput("prod"));

    const first = await runScript(dir, script, apt.bin, systemctl.path);
    expect(first.code, first.stderr).toBe(0);
    const calls = await apt.calls();
    expect(calls.filter((c) => c.startsWith("apt-get"))).toEqual([
      expect.stringMatching(/^apt-get .*-o DPkg::Lock::Timeout=600 .* update -qq$/),
      expect.stringMatching(
        /--force-confold install -y -qq --no-install-recommends docker\.io nginx unattended-upgrades policy-rc\.d=present nginx:101 docker:0$/,
      ),
    ]);
    expect(calls.join("\n")).not.toMatch(/--allow-downgrades|--allow-change-held-packages|apt-mark hold/);
    expect(await apt.installed()).toEqual({
      "docker.io": NOBLE_ARCHIVE["docker.io"]!.candidate,
      nginx: NOBLE_ARCHIVE.nginx!.candidate,
      "nginx-common": NOBLE_ARCHIVE.nginx!.candidate,
      "unattended-upgrades": NOBLE_ARCHIVE["unattended-upgrades"]!.candidate,
    });
    expect(await apt.holds()).toEqual([]);
    const conf = await readFile(join(dir, "root", AUTO_UPGRADES_PATH), "utf8");
    expect(conf).toContain('APT::Periodic::Unattended-Upgrade "1";');
    expect(conf).toContain('"${distro_id}:${distro_codename}-security";');
    await expect(lstat(join(dir, "root/usr/sbin/policy-rc.d"))).rejects.toThrow(); // removed after apt
    expect(await systemctl.calls()).toContain("enable docker.service");

    const before = (await apt.calls()).length;
    const second = await runScript(dir, script, apt.bin, systemctl.path);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("install-packages: no change");
    expect((await apt.calls()).slice(before)).toEqual(["apt-mark showhold"]);
  });

  it("leaves installed (and since patched) packages alone and releases holds an earlier version put on them", async () => {
    const dir = join(work, "held");
    const apt = await writeFakeApt(
      join(dir, "apt"),
      join(dir, "root"),
      { "docker.io": "24.0.7-0ubuntu4", nginx: "1.24.0-2ubuntu7", "nginx-common": "1.24.0-2ubuntu7" },
      ["docker.io", "nginx"],
    );
    const systemctl = await writeFakeSystemctl(join(dir, "systemd"));
    const r = await runScript(dir, renderInstallPackagesScript(sampleInput("prod")), apt.bin, systemctl.path);
    expect(r.code, r.stderr).toBe(0);
    const install = (await apt.calls()).filter((c) => c.includes(" install "));
    expect(install).toHaveLength(1);
    expect(install[0]).toMatch(/--no-install-recommends unattended-upgrades policy-rc/); // only what is missing
    expect(await apt.holds()).toEqual([]);
    expect(r.stdout).toContain("released the hold on docker.io");
    expect(r.stdout).toContain("released the hold on nginx");
    // Nothing downgraded or pinned: unattended-upgrades moves them on from here.
    expect((await apt.installed()).nginx).toBe("1.24.0-2ubuntu7");
  });
});

describe("install-packages (dev)", () => {
  it("installs docker.io and unattended-upgrades only, no nginx, nothing held", async () => {
    const dir = join(work, "dev");
    const apt = await writeFakeApt(join(dir, "apt"), join(dir, "root"));
    const systemctl = await writeFakeSystemctl(join(dir, "systemd"));
    const r = await runScript(dir, renderInstallPackagesScript(sampleInput("dev")), apt.bin, systemctl.path);
    expect(r.code, r.stderr).toBe(0);
    const calls = await apt.calls();
    const install = calls.filter((c) => c.includes(" install "));
    expect(install).toHaveLength(1);
    expect(install[0]).toMatch(/ docker\.io unattended-upgrades policy-rc\.d=present nginx:0 docker:0$/);
    expect(calls.some((c) => c.startsWith("apt-mark hold"))).toBe(false);
    expect(Object.keys(await apt.installed()).sort()).toEqual(["docker.io", "unattended-upgrades"]);
  });
});

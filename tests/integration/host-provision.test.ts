// The provisioning steps, exactly as rendered (command line + stdin), run over a REAL sshd on loopback against a
// temp root: install-files, apply-config (real `nginx -t` on the installed files; a service-manager double, since
// PID 1 is not systemd here), health check through the real Nginx and registry started from the INSTALLED files,
// prepare-data-volume on a file-backed volume. Every step runs twice: the second run changes nothing.
import { createHash } from "node:crypto";
import {
  copyFile,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  truncate,
  writeFile,
} from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  HOST_PATHS,
  renderInstallFilesStdin,
  renderPrepareDataVolumeScript,
  renderProvisionPlan,
  type HostRenderInput,
  type ProvisionPlan,
  type ProvisionStep,
} from "../../components/registryHost/render/index.js";
import type { HostFile } from "../../components/hostFile.js";
import {
  freePort,
  makeServiceTempDir,
  mintCa,
  mintLeafCert,
  removeDir,
  run,
  type RunningRegistry,
} from "./support/index.js";
import { writeFakeSudo, writeFakeSystemctl, writeNginxInRoot, type FakeSystemctl } from "./support/host-fakes.js";
import { htpasswdLine, sampleInput } from "./support/host-input.js";
import { unreachable } from "./support/host-access.js";
import { startNginx, writeNginxTree, type RunningNginx } from "./support/host-nginx.js";
import { startRenderedDevRegistry, startRenderedRegistry } from "./support/host-registry.js";
import { startSshd, type RunningSshd } from "./support/host-sshd.js";

const DOMAIN = "example.test";

let work: string;
let root: string;
let caPath: string;
let sshd: RunningSshd | undefined;
let registry: RunningRegistry | undefined;
let nginx: RunningNginx | undefined;
let systemctl: FakeSystemctl;
let nginxCmd: string;
let input: HostRenderInput;
let plan: ProvisionPlan;
let nginxPorts: { http: number; https: number };

function step(p: ProvisionPlan, name: string): ProvisionStep {
  const s = p.steps.find((x) => x.name === name);
  if (!s) throw new Error(`no step ${name}`);
  return s;
}

/** Runs a step over SSH exactly as the component does (command + stdin), plus test-only options. */
async function runStep(s: ProvisionStep, options: string[]) {
  const r = await sshd!.ssh(`${s.command} ${options.join(" ")}`, s.stdin);
  return r;
}

async function runOkStep(s: ProvisionStep, options: string[]) {
  const r = await runStep(s, options);
  if (r.code !== 0) throw new Error(`step ${s.name} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

const rootOpt = () => ["--root", root];
const applyOpts = () => [...rootOpt(), "--systemctl", systemctl.path, "--nginx", nginxCmd];
const healthOpts = () => ["--connect", `127.0.0.1:${nginxPorts.https}`, "--cacert", caPath, "--attempts", "15"];

/** path -> sha256, mode, mtime, link target of everything under the root (what a second run must not touch). */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const st = await lstat(p);
      if (e.isDirectory()) await walk(p);
      else if (e.isSymbolicLink()) out[p] = `link ${await readlink(p)} ${st.mtimeMs}`;
      else {
        const sha = createHash("sha256")
          .update(await readFile(p))
          .digest("hex");
        out[p] = `${sha} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${st.mtimeMs}`;
      }
    }
  };
  await walk(dir);
  return out;
}

/** Mutating systemctl calls (not the is-enabled / is-active queries) since `from`. */
async function actions(from: number): Promise<string[]> {
  return (await systemctl.calls()).slice(from).filter((c) => !/^is-(enabled|active)/.test(c));
}

beforeAll(async () => {
  work = await makeServiceTempDir("host-provision-");
  root = join(work, "root");
  const ca = await mintCa(join(work, "pki"), "Prod Test CA");
  caPath = ca.certPath;
  const leaf = await mintLeafCert(join(work, "pki"), ca, { dnsSans: [`docker.${DOMAIN}`, `www.${DOMAIN}`] });
  const registryPort = await freePort();
  input = sampleInput("prod", {
    htpasswd: `${htpasswdLine("ci", "ci-secret")}\n`,
    certificatePem: await readFile(leaf.certPath, "utf8"),
    privateKeyPem: await readFile(leaf.keyPath, "utf8"),
    registryPort,
    domain: DOMAIN,
    sites: { docker: "registry", www: 8080 },
    healthCheckCredential: { user: "ci", password: "ci-secret" },
  });
  plan = renderProvisionPlan(input);

  // The host as the nginx package leaves it: its mime.types and its default site enabled (absolute link).
  await mkdir(join(root, "etc/nginx/sites-available"), { recursive: true });
  await mkdir(join(root, "etc/nginx/sites-enabled"), { recursive: true });
  await copyFile("/etc/nginx/mime.types", join(root, "etc/nginx/mime.types"));
  await writeFile(join(root, "etc/nginx/sites-available/default"), "server { listen 80 default_server; }\n");
  await symlink("/etc/nginx/sites-available/default", join(root, "etc/nginx/sites-enabled/default"));

  const bin = join(work, "bin");
  await writeFakeSudo(bin);
  systemctl = await writeFakeSystemctl(join(work, "systemd"));
  nginxCmd = await writeNginxInRoot(join(work, "nginx-t"), root);
  sshd = await startSshd(join(work, "sshd"), { pathPrefix: [bin] });
  nginxPorts = { http: await freePort(), https: await freePort() };
});

afterAll(async () => {
  await nginx?.stop();
  await registry?.stop();
  await sshd?.stop();
  await removeDir(work);
});

describe("provisioning over SSH (prod), first run", () => {
  it("every step's command line is the same fixed line and holds no secret", () => {
    for (const s of plan.steps) {
      expect(s.command).toBe("sudo -n bash -s --");
      expect(s.command).not.toContain("ci-secret");
    }
    expect(step(plan, "install-files").stdin).not.toContain(input.tls!.privateKeyPem); // base64 in the bundle
  });

  it("wait-ready finds nothing to wait for", async () => {
    const r = await runOkStep(step(plan, "wait-ready"), [...rootOpt(), "--attempts", "2"]);
    expect(r.stdout).toContain("wait-ready: ready");
  });

  it("install-files installs every file with its mode, links the sites and removes the package's default", async () => {
    const r = await runOkStep(step(plan, "install-files"), rootOpt());
    for (const f of plan.files) {
      expect(r.stdout).toContain(`changed ${f.path}\n`);
      const st = await stat(join(root, f.path));
      expect((st.mode & 0o7777).toString(8).padStart(4, "0")).toBe(f.mode);
      expect(await readFile(join(root, f.path), "utf8")).toBe(f.content);
    }
    expect((await stat(join(root, HOST_PATHS.htpasswd))).mode & 0o777).toBe(0o600);
    expect((await stat(join(root, `${HOST_PATHS.nginxTls}/${DOMAIN}.key`))).mode & 0o777).toBe(0o600);
    for (const l of plan.links!) expect(await readlink(join(root, l.path))).toBe(l.target);
    await expect(lstat(join(root, "etc/nginx/sites-enabled/default"))).rejects.toThrow();
    expect(r.stdout).toContain("changed /etc/nginx/sites-enabled/default (removed)");
  });

  it("every declared reader opens each installed file as its own account (parents install-files made are 0755)", async () => {
    expect(await unreachable(root, plan.files)).toEqual([]);
    // The agent's directory did not exist: install-files made it, traversable (dpkg keeps an existing directory's mode).
    for (const d of ["/opt/aws", "/opt/aws/amazon-cloudwatch-agent/etc", HOST_PATHS.registryDir]) {
      expect(((await stat(join(root, d))).mode & 0o7777).toString(8), d).toBe("755");
    }
  });

  it("apply-config runs the real nginx -t, then enables and (re)starts the services and the GC timer", async () => {
    const from = (await systemctl.calls()).length;
    const r = await runOkStep(step(plan, "apply-config"), applyOpts());
    expect(r.stdout).toContain("nginx -t: configuration ok");
    expect(await actions(from)).toEqual([
      "daemon-reload",
      "enable registry.service",
      "restart registry.service",
      "enable nginx.service",
      "start nginx.service",
      "enable --now registry-gc.timer",
    ]);
  });

  it("health-check passes through the real Nginx and registry started from the INSTALLED files", async () => {
    registry = await startRenderedRegistry(join(root, HOST_PATHS.registryConfig), {
      addr: `127.0.0.1:${input.registry.port}`,
      dataDir: join(work, "data"),
      htpasswdPath: join(root, HOST_PATHS.htpasswd),
    });
    const installed: HostFile[] = [];
    for (const f of plan.files.filter((x) => x.path.startsWith("/etc/nginx/"))) {
      installed.push({ ...f, content: await readFile(join(root, f.path), "utf8") });
    }
    nginx = await startNginx(
      join(work, "nginx-run"),
      await writeNginxTree(join(work, "nginx-run"), installed, plan.links!, nginxPorts),
      nginxPorts.https,
    );
    const r = await runOkStep(step(plan, "health-check"), healthOpts());
    expect(r.stdout).toContain("answers 401 without credentials");
    expect(r.stdout).toContain("200 with the credential and 401 with a wrong password");
  });

  it("health-check reports the GC timer's last run, and a failed one as a warning that fails nothing", async () => {
    const lastRun = join(root, HOST_PATHS.gcStateDir, "last-run");
    await mkdir(dirname(lastRun), { recursive: true });
    await writeFile(
      lastRun,
      "finished=2026-12-06T03:31:07Z\nexit=3\nretention=failed: release history /srv/registry/releases is missing\n",
    );
    try {
      const r = await runOkStep(step(plan, "health-check"), [...healthOpts(), ...rootOpt()]);
      expect(r.stdout).toMatch(/last registry GC run: finished=2026-12-06T03:31:07Z exit=3 retention=failed: release/);
      expect(r.stdout).toContain("WARNING: the last registry GC run failed");
      expect(r.stdout).toMatch(/healthy$/m);
    } finally {
      await rm(join(root, HOST_PATHS.gcStateDir), { recursive: true, force: true });
    }
  });

  it("health-check fails when the registry does not demand credentials as expected", async () => {
    const wrong = renderProvisionPlan({
      ...input,
      registry: { ...input.registry, healthCheckCredential: { user: "ci", password: "not-it" } },
    });
    const r = await runStep(step(wrong, "health-check"), healthOpts());
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("answers 401 with the health-check credential, expected 200");
  });
});

describe("provisioning over SSH (prod), second run", () => {
  it("changes nothing: no file touched, no service action, every step says so", async () => {
    const before = await snapshot(root);
    const from = (await systemctl.calls()).length;
    await runOkStep(step(plan, "wait-ready"), [...rootOpt(), "--attempts", "2"]);
    const files = await runOkStep(step(plan, "install-files"), rootOpt());
    expect(files.stdout).toMatch(/install-files: no change \(\d+ up to date\)/);
    expect(files.stdout).not.toContain("changed");
    const apply = await runOkStep(step(plan, "apply-config"), applyOpts());
    expect(apply.stdout).toContain("apply-config: no change");
    await runOkStep(step(plan, "health-check"), healthOpts());
    expect(await actions(from)).toEqual([]);
    expect(await snapshot(root)).toEqual(before);
  });
});

describe("provisioning over SSH (prod), changes", () => {
  it("a new htpasswd restarts the registry only (no daemon-reload, no Nginx reload)", async () => {
    const next = renderProvisionPlan({
      ...input,
      registry: { ...input.registry, htpasswd: `${input.registry.htpasswd}${htpasswdLine("deploy", "d-secret")}\n` },
    });
    const files = await runOkStep(step(next, "install-files"), rootOpt());
    expect(files.stdout.match(/changed \S+/g)).toEqual([`changed ${HOST_PATHS.htpasswd}`]);
    const from = (await systemctl.calls()).length;
    await runOkStep(step(next, "apply-config"), applyOpts());
    expect(await actions(from)).toEqual(["restart registry.service"]);
    // Back to the original users for the following tests.
    await runOkStep(step(plan, "install-files"), rootOpt());
    await runOkStep(step(plan, "apply-config"), applyOpts());
  });

  it("a broken Nginx file fails apply-config before any reload and is rolled back to the running version", async () => {
    const site = `${HOST_PATHS.nginxSitesAvailable}/www.${DOMAIN}.conf`;
    const good = await readFile(join(root, site), "utf8");
    const broken = plan.files.map((f) =>
      f.path === site ? { ...f, content: `${f.content}bogus_directive on;\n` } : f,
    );
    const brokenStep: ProvisionStep = {
      ...step(plan, "install-files"),
      stdin: renderInstallFilesStdin(broken, plan.links, plan.removed),
    };
    const files = await runOkStep(brokenStep, rootOpt());
    expect(files.stdout).toContain(`changed ${site}`);
    const from = (await systemctl.calls()).length;
    const apply = await runStep(step(plan, "apply-config"), applyOpts());
    expect(apply.code, `apply-config must fail:\n${apply.stdout}\n${apply.stderr}`).not.toBe(0);
    expect(apply.stderr).toContain('unknown directive "bogus_directive"');
    expect(apply.stderr).toContain("nginx -t failed");
    expect(apply.stdout).toContain(`rolled back ${site}`);
    expect(await actions(from)).toEqual([]);
    expect(await readFile(join(root, site), "utf8")).toBe(good);
    // The good bundle is then already in place: nothing to change, nothing to apply.
    expect((await runOkStep(step(plan, "install-files"), rootOpt())).stdout).toContain("install-files: no change");
    expect((await runOkStep(step(plan, "apply-config"), applyOpts())).stdout).toContain("apply-config: no change");
  });

  it("switching GC off removes its files and disables the timer", async () => {
    const noGc = renderProvisionPlan({
      ...input,
      registry: { ...input.registry, gc: { ...input.registry.gc, enabled: false } },
    });
    const files = await runOkStep(step(noGc, "install-files"), rootOpt());
    expect(files.stdout, files.stdout + files.stderr).toContain(
      "changed /etc/systemd/system/registry-gc.timer (removed)",
    );
    await expect(lstat(join(root, "etc/systemd/system/registry-gc.timer"))).rejects.toThrow();
    const from = (await systemctl.calls()).length;
    const apply = await runOkStep(step(noGc, "apply-config"), applyOpts());
    expect(await actions(from), apply.stdout).toEqual(["disable --now registry-gc.timer", "daemon-reload"]);
    // And back on.
    await runOkStep(step(plan, "install-files"), rootOpt());
    const from2 = (await systemctl.calls()).length;
    await runOkStep(step(plan, "apply-config"), applyOpts());
    expect(await actions(from2)).toEqual(["daemon-reload", "enable --now registry-gc.timer"]);
  });
});

describe("prepare-data-volume over SSH on a file-backed volume", () => {
  it("formats a blank volume once, writes the fstab entry once, and then changes nothing", async () => {
    const device = join(work, "data-volume.img");
    await writeFile(device, "");
    await truncate(device, 16 * 1024 * 1024);
    const s: ProvisionStep = { ...step(plan, "prepare-data-volume"), stdin: renderPrepareDataVolumeScript(input) };
    const opts = [...rootOpt(), "--device", device, "--no-mount", "--attempts", "1"];
    const first = await runOkStep(s, opts);
    expect(first.stdout).toContain("formatting");
    const uuid = (await run("blkid", ["-p", "-o", "value", "-s", "UUID", device])).stdout.trim();
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
    const fstab = await readFile(join(root, "etc/fstab"), "utf8");
    expect(fstab).toBe(`UUID=${uuid} /srv/registry ext4 defaults,nofail,x-systemd.device-timeout=30s 0 2\n`);
    // The release-history directory exists, empty, before any app deploy: the GC timer's retention runs on it.
    const releases = join(root, HOST_PATHS.releasesDir);
    expect(first.stdout).toContain(`created ${HOST_PATHS.releasesDir}`);
    const dir = await stat(releases);
    // Owned by whoever runs the step: root on a host (sudo), the test's own account here.
    expect([dir.isDirectory(), (dir.mode & 0o7777).toString(8), dir.uid]).toEqual([true, "755", process.getuid!()]);
    expect(await readdir(releases)).toEqual([]);
    const before = await snapshot(root);
    const imageSha = createHash("sha256")
      .update(await readFile(device))
      .digest("hex");
    const second = await runOkStep(s, opts);
    expect(second.stdout).toContain("prepare-data-volume: no change");
    expect(second.stdout).not.toContain("formatting");
    expect(await snapshot(root)).toEqual(before);
    const again = await stat(releases);
    expect([again.isDirectory(), again.mode, again.mtimeMs]).toEqual([true, dir.mode, dir.mtimeMs]);
    expect(
      createHash("sha256")
        .update(await readFile(device))
        .digest("hex"),
    ).toBe(imageSha);
  });

  it("refuses to touch a volume with another filesystem", async () => {
    const device = join(work, "other.img");
    await writeFile(device, "");
    await truncate(device, 16 * 1024 * 1024);
    await run("mkfs.ext2", ["-q", device]);
    const s = step(plan, "prepare-data-volume");
    const r = await runStep(s, [...rootOpt(), "--device", device, "--no-mount", "--attempts", "1"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("holds a ext2 filesystem, expected ext4: refusing to touch it");
  });
});

describe("provisioning over SSH (dev: the registry serves TLS itself, no Nginx)", () => {
  let devRoot: string;
  let devPlan: ProvisionPlan;
  let devSystemctl: FakeSystemctl;
  let devRegistry: RunningRegistry | undefined;

  beforeAll(async () => {
    devRoot = join(work, "dev-root");
    const ca = await mintCa(join(work, "dev-pki"), "Dev Registry CA");
    // Like the program mints it: SAN = the Elastic IP (the health check verifies that name over loopback), plus
    // 127.0.0.1 (what the GC script's health probe and the test's own readiness probe connect to).
    const leaf = await mintLeafCert(join(work, "dev-pki"), ca, { ipSans: ["203.0.113.7", "127.0.0.1"] });
    devPlan = renderProvisionPlan(
      sampleInput("dev", {
        htpasswd: `${htpasswdLine("ci", "ci-secret")}\n`,
        certificatePem: await readFile(leaf.certPath, "utf8"),
        privateKeyPem: await readFile(leaf.keyPath, "utf8"),
        caCertificatePem: await readFile(ca.certPath, "utf8"),
        registryPort: await freePort(),
        publicHost: "203.0.113.7",
        healthCheckCredential: { user: "ci", password: "ci-secret" },
      }),
    );
    devSystemctl = await writeFakeSystemctl(join(work, "dev-systemd"));
  });

  afterAll(async () => {
    await devRegistry?.stop();
  });

  const devApply = () => ["--root", devRoot, "--systemctl", devSystemctl.path];

  it("installs, applies (no nginx -t), and the health check verifies the certificate for the public IP", async () => {
    await runOkStep(step(devPlan, "install-files"), ["--root", devRoot]);
    const apply = await runOkStep(step(devPlan, "apply-config"), devApply());
    expect(apply.stdout).not.toContain("nginx");
    expect((await devSystemctl.calls()).filter((c) => !/^is-/.test(c))).toEqual([
      "daemon-reload",
      "enable registry.service",
      "restart registry.service",
      "enable --now registry-gc.timer",
    ]);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(devPlan.steps.find((s) => s.name === "health-check")!.stdin!)![1]);
    devRegistry = await startRenderedDevRegistry(devRoot, {
      addr: `127.0.0.1:${port}`,
      dataDir: join(work, "dev-data"),
      caCertPath: join(devRoot, HOST_PATHS.registryCa),
    });
    // Default target: 127.0.0.1:<port>, verified as 203.0.113.7 with the shipped CA (under the test root).
    const health = await runOkStep(step(devPlan, "health-check"), ["--root", devRoot, "--attempts", "15"]);
    expect(health.stdout).toContain("https://203.0.113.7:");
    expect(health.stdout).toContain("200 with the credential and 401 with a wrong password");
  });

  it("the second run changes nothing", async () => {
    const before = await snapshot(devRoot);
    const from = (await devSystemctl.calls()).length;
    expect((await runOkStep(step(devPlan, "install-files"), ["--root", devRoot])).stdout).toContain("no change");
    expect((await runOkStep(step(devPlan, "apply-config"), devApply())).stdout).toContain("apply-config: no change");
    await runOkStep(step(devPlan, "health-check"), ["--root", devRoot, "--attempts", "15"]);
    expect((await devSystemctl.calls()).slice(from).filter((c) => !/^is-/.test(c))).toEqual([]);
    expect(await snapshot(devRoot)).toEqual(before);
  });

  it("the health check refuses a certificate that does not name the public host", async () => {
    const other = renderProvisionPlan({
      ...sampleInput("dev"),
      registry: { ...sampleInput("dev").registry, port: devRegistry!.port, publicHost: "198.51.100.9" },
    });
    const r = await runStep(step(other, "health-check"), ["--root", devRoot, "--attempts", "2"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("did not answer 401");
  });
});

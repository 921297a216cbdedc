// The metadata-service firewall exactly as the instance's user data carries it (bootcmd's first entry), applied with
// the real iptables (nf_tables backend, as on Ubuntu 24.04) inside a network namespace made for the test: a veth pair
// to a second namespace that holds 169.254.169.254 and serves HTTP on port 80, as the metadata service does. Root
// fetches; Nginx's worker user (www-data) and nobody are refused; an admitted user fetches. Then: a second run changes
// nothing, other rules survive, and a "reboot" (a fresh namespace) running the copy the script kept of itself, as its
// systemd unit would, restores the rule; the unit itself passes `systemd-analyze verify`. Both namespaces (and with
// them the interfaces and rules) and the server are removed even when a test fails.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cp, mkdir, readFile, readlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { imdsFirewallScript, renderBootUserData } from "../../components/registryHost/boot/userData.js";
import { makeTempDir, removeDir, run, runOk } from "./support/index.js";
import { shellify } from "./support/cloud-init.js";

const METADATA = "169.254.169.254";
const tag = `${process.pid % 100000}${randomBytes(2).toString("hex")}`;
const HOST = `imdsfw-host-${tag}`;
const REBOOTED = `imdsfw-boot-${tag}`;
const FIRST_BOOT = `imdsfw-first-${tag}`;
const IMDS = `imdsfw-imds-${tag}`;
const namespaces: string[] = [];
let work: string;
let server: ChildProcess | undefined;

/** The rendered bootcmd entry that installs the firewall (argv as cloud-init runs it). */
function firewallBootcmd(imdsUsers: string[]): string[] {
  const config = parse(renderBootUserData({ imdsUsers })) as { bootcmd: string[][] };
  const entry = config.bootcmd[0]!;
  expect(entry[3]).toBe("imds-firewall");
  return entry;
}

/** Runs a command in a namespace, as root or (setpriv) as another user with that user's primary group. */
async function inNamespace(ns: string, argv: string[], opts: { user?: string; env?: NodeJS.ProcessEnv } = {}) {
  const group = opts.user ? (await runOk("id", ["-g", opts.user])).stdout.trim() : "";
  const as = opts.user ? ["setpriv", `--reuid=${opts.user}`, `--regid=${group}`, "--clear-groups"] : [];
  return run("ip", ["netns", "exec", ns, ...as, ...argv], {
    env: { PATH: process.env.PATH, TMPDIR: tmpdir(), ...opts.env },
    timeoutMs: 30_000,
  });
}

/** One GET of the metadata address from `ns`; the body, or the curl exit code. */
async function fetchMetadata(ns: string, user?: string): Promise<{ code: number; body: string }> {
  const r = await inNamespace(ns, ["curl", "-sS", "--max-time", "5", `http://${METADATA}/latest/meta-data/`], {
    ...(user ? { user } : {}),
  });
  return { code: r.code, body: r.stdout };
}

async function rules(ns: string): Promise<string> {
  return (await runOk("ip", ["netns", "exec", ns, "iptables", "-S"])).stdout;
}

/**
 * A namespace for the host side, linked by its own veth pair to the metadata namespace: 169.254.169.<index> here,
 * 169.254.169.254 there, each a /32 with a route to the other (several host namespaces share the metadata one).
 */
async function hostNamespace(ns: string, index: number): Promise<void> {
  await runOk("ip", ["netns", "add", ns]);
  namespaces.push(ns);
  const [h, m] = [`ifh${index}${tag}`.slice(0, 15), `ifm${index}${tag}`.slice(0, 15)];
  const local = `169.254.169.${index}`;
  await runOk("ip", ["link", "add", h, "netns", ns, "type", "veth", "peer", "name", m, "netns", IMDS]);
  for (const [n, dev] of [
    [ns, h],
    [ns, "lo"],
    [IMDS, m],
  ] as const)
    await runOk("ip", ["-n", n, "link", "set", dev, "up"]);
  await runOk("ip", ["-n", ns, "addr", "add", `${local}/32`, "dev", h]);
  await runOk("ip", ["-n", ns, "route", "add", `${METADATA}/32`, "dev", h, "src", local]);
  await runOk("ip", ["-n", IMDS, "addr", "add", `${METADATA}/32`, "dev", m]);
  await runOk("ip", ["-n", IMDS, "route", "add", `${local}/32`, "dev", m]);
}

beforeAll(async () => {
  work = await makeTempDir("imds-firewall-");
  await runOk("ip", ["netns", "add", IMDS]);
  namespaces.push(IMDS);
  await runOk("ip", ["-n", IMDS, "link", "set", "lo", "up"]);
  await hostNamespace(HOST, 1);
  const www = join(work, "www/latest/meta-data");
  await mkdir(www, { recursive: true });
  await writeFile(join(www, "index.html"), "iam/\n");
  server = spawn("ip", ["netns", "exec", IMDS, "python3", "-m", "http.server", "--bind", METADATA, "80", "--directory", join(work, "www")], { stdio: "ignore" }); // prettier-ignore
  for (let i = 0; i < 100; i++) {
    if ((await fetchMetadata(HOST)).code === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the metadata stand-in did not come up");
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once("exit", r));
    server.kill("SIGKILL");
    await exited;
  }
  for (const ns of namespaces.reverse()) await run("ip", ["netns", "del", ns]);
  await removeDir(work);
});

describe("metadata-service firewall (rendered bootcmd, real iptables, network namespaces)", () => {
  const root = () => join(work, "root");
  const apply = (ns: string, users: string[]) => {
    const argv = firewallBootcmd(users);
    return inNamespace(ns, argv, { env: { IMDS_FIREWALL_ROOT: root() } });
  };

  it("before it: every user reaches the metadata service (the gap it closes)", async () => {
    expect(await fetchMetadata(HOST)).toEqual({ code: 0, body: "iam/\n" });
    expect((await fetchMetadata(HOST, "www-data")).code).toBe(0);
  });

  it("admits root and the listed users that exist; refuses www-data and nobody at once (TCP reset)", async () => {
    // An unrelated rule the host already has must survive.
    await runOk("ip", ["netns", "exec", HOST, "iptables", "-A", "OUTPUT", "-d", "192.0.2.1/32", "-j", "DROP"]);
    const r = await apply(HOST, ["daemon", "cwagent"]);
    expect(r.stderr).toContain("admitted: root (uid 0)");
    expect(r.stderr).toContain("admitted: daemon (uid 1)");
    expect(r.stderr).toContain("user cwagent does not exist (yet): not admitted");
    expect(r.code).toBe(0);
    expect(await fetchMetadata(HOST)).toEqual({ code: 0, body: "iam/\n" });
    expect((await fetchMetadata(HOST, "daemon")).code).toBe(0);
    for (const user of ["www-data", "nobody"]) {
      const started = Date.now();
      const denied = await fetchMetadata(HOST, user);
      expect(denied.code, user).toBe(7); // connection refused (reset), not a 5 s timeout
      expect(Date.now() - started).toBeLessThan(2000);
    }
    expect(await rules(HOST)).toContain("-A OUTPUT -d 192.0.2.1/32 -j DROP");
  });

  it("a second run changes nothing: same rules, one jump from OUTPUT", async () => {
    const before = await rules(HOST);
    const r = await apply(HOST, ["daemon", "cwagent"]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("installed ");
    expect(await rules(HOST)).toBe(before);
    expect(before.split("\n").filter((l) => l.includes("-j STARTUP-INFRA-IMDS"))).toEqual([
      `-A OUTPUT -d ${METADATA}/32 -j STARTUP-INFRA-IMDS`,
    ]);
  });

  it("keeps the shipped script and an enabled unit; after a reboot the unit's command restores the rule", async () => {
    const kept = await readFile(join(root(), "usr/local/sbin/startup-infra-imds-firewall"), "utf8");
    expect(kept).toBe(imdsFirewallScript());
    const unit = await readFile(join(root(), "etc/systemd/system/startup-infra-imds-firewall.service"), "utf8");
    expect(unit).toContain("DefaultDependencies=no");
    expect(unit).toMatch(/^Before=network-pre.target shutdown.target$/m);
    expect(unit).toMatch(/^WantedBy=sysinit.target$/m);
    expect(await readlink(join(root(), "etc/systemd/system/sysinit.target.wants/startup-infra-imds-firewall.service")))
      .toBe("/etc/systemd/system/startup-infra-imds-firewall.service"); // prettier-ignore

    // A fresh namespace: no rules, as after a reboot. Run what the unit runs (ExecStart), paths under the test root.
    await hostNamespace(REBOOTED, 2);
    expect((await fetchMetadata(REBOOTED, "www-data")).code).toBe(0);
    const execStart = /^ExecStart=(.+)$/m.exec(unit)![1]!.split(" ");
    expect(execStart).toEqual(["/bin/bash", "/usr/local/sbin/startup-infra-imds-firewall", "daemon", "cwagent"]);
    const r = await inNamespace(REBOOTED, [execStart[0]!, join(root(), execStart[1]!), ...execStart.slice(2)]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("installed "); // run from the file: it does not copy itself again
    expect(await fetchMetadata(REBOOTED)).toEqual({ code: 0, body: "iam/\n" });
    expect((await fetchMetadata(REBOOTED, "www-data")).code).toBe(7);
  });

  it("the whole bootcmd as cloud-init runs it (shellify, /bin/sh): firewall first, then the host-key step (root) reaches the metadata address through it", async () => {
    // The stand-in serves files only: the host-key step's token request (PUT) gets 501 (not a reset: root passes),
    // it retries for its (short) limit and fails closed, which is the script's (last command's) status.
    const userData = renderBootUserData({
      imdsUsers: ["cwagent"],
      hostKey: { parameterName: "/startup-infra/test/registry-host/ssh-host-ed25519-key", region: "ap-northeast-2" },
    });
    const script = join(work, "bootcmd.sh");
    await writeFile(script, shellify((parse(userData) as { bootcmd: string[][] }).bootcmd));
    await hostNamespace(FIRST_BOOT, 3);
    const firstRoot = join(work, "first-boot-root");
    const r = await inNamespace(FIRST_BOOT, ["/bin/sh", script], {
      env: { IMDS_FIREWALL_ROOT: firstRoot, HOST_KEY_ROOT: firstRoot, HOST_KEY_WAIT_SECONDS: "3" },
    });
    expect(r.stderr.indexOf("imds-firewall: admitted: root")).toBeGreaterThanOrEqual(0);
    expect(r.stderr.indexOf("install-host-key: attempt 1 failed")).toBeGreaterThan(r.stderr.indexOf("imds-firewall:"));
    expect(r.stderr).toContain("metadata token: HTTP 501");
    expect(r.stderr).toContain("no host key installed");
    expect(r.code).toBe(1);
    expect((await fetchMetadata(FIRST_BOOT, "www-data")).code).toBe(7);
    expect(await readFile(join(firstRoot, "usr/local/sbin/startup-infra-imds-firewall"), "utf8")).toBe(
      imdsFirewallScript(),
    );
  });

  it("the unit passes systemd-analyze verify", async () => {
    const verifyRoot = join(work, "verify-root");
    await mkdir(join(verifyRoot, "lib/systemd"), { recursive: true });
    await cp("/lib/systemd/system", join(verifyRoot, "lib/systemd/system"), {
      recursive: true,
      verbatimSymlinks: true,
    });
    await cp(join(root(), "etc"), join(verifyRoot, "etc"), { recursive: true, verbatimSymlinks: true });
    await cp(join(root(), "usr"), join(verifyRoot, "usr"), { recursive: true });
    await mkdir(join(verifyRoot, "bin"), { recursive: true });
    await cp("/bin/bash", join(verifyRoot, "bin/bash"));
    const r = await run("systemd-analyze", ["verify", `--root=${verifyRoot}`, "startup-infra-imds-firewall.service"]);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});

// The host-key boot script exactly as the instance's user data carries it (cloud-init bootcmd), run with the real
// bash, curl (SigV4 signing with --aws-sigv4) and python3 against a loopback stand-in for the instance metadata service
// and SSM that checks the request signature; then the real sshd serves the installed key, and ssh with a known_hosts
// made from the program's public key connects, while a different pinned key is refused. The stand-ins also fail the
// way a first boot's cloud fails (support/slow-cloud.ts): refused connections, 404 while the instance profile
// attaches, empty and malformed answers, SSM throttling and AccessDenied, cut and hung connections.
import { createHash, createHmac } from "node:crypto";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderBootUserData } from "../../components/registryHost/boot/userData.js";
import { makeTempDir, removeDir, run, runOk } from "./support/index.js";
import { startSshd, type RunningSshd } from "./support/host-sshd.js";
import { answerFault, type Fault, startRefusingGate } from "./support/slow-cloud.js";

const PARAMETER = "/startup-infra/test/registry-host/ssh-host-ed25519-key";
const REGION = "ap-northeast-2";
const CREDS = {
  AccessKeyId: "ASIATESTTESTTESTTEST",
  SecretAccessKey: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0",
  Token: "dG9rZW4tdG9rZW4=",
};
const IMDS_TOKEN = "imds-token-1";

interface SsmRequest {
  target: string | undefined;
  body: string;
  signatureValid: boolean;
  signedHeaders: string[];
}

/** Checks an AWS Signature Version 4 header the way AWS does (canonical request, string to sign, derived key). */
function sigV4Valid(req: IncomingMessage, body: string, secret: string): { valid: boolean; signedHeaders: string[] } {
  const auth = req.headers.authorization ?? "";
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth); // prettier-ignore
  if (!m) return { valid: false, signedHeaders: [] };
  const [, , date, region, service, signed, signature] = m as unknown as string[];
  const names = signed!.split(";");
  const amzDate = String(req.headers["x-amz-date"]);
  const hash = (s: string) => createHash("sha256").update(s).digest("hex");
  const canonical = [
    req.method,
    req.url!.split("?")[0],
    req.url!.split("?")[1] ?? "",
    ...names.map((n) => `${n}:${String(req.headers[n]).trim().replace(/\s+/g, " ")}`),
    "",
    signed,
    hash(body),
  ].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, hash(canonical)].join("\n");
  let key: Buffer = Buffer.from(`AWS4${secret}`);
  for (const part of [date!, region!, service!, "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
  const expected = createHmac("sha256", key).update(toSign).digest("hex");
  return { valid: expected === signature && region === REGION && service === "ssm", signedHeaders: names };
}

interface FakeAwsState {
  /** What the parameter holds. */
  value: string;
  /** Any other status fails every SSM request with it. */
  ssmStatus: number;
  requests: SsmRequest[];
  /** One fault per request, consumed in order, per endpoint (then it answers correctly). */
  faults: { token: Fault[]; role: Fault[]; credentials: Fault[]; ssm: Fault[] };
}

/** IMDSv2 + SSM GetParameter on one loopback port. */
async function startFakeAws(state: FakeAwsState): Promise<Server> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => void answer(req, res, body));
  });
  const answer = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = req.url ?? "";
    if (req.method === "PUT" && url === "/latest/api/token") {
      if (answerFault(state.faults.token.shift(), req, res)) return;
      return res.end(IMDS_TOKEN);
    }
    if (url.startsWith("/latest/meta-data/")) {
      if (req.headers["x-aws-ec2-metadata-token"] !== IMDS_TOKEN) return res.writeHead(401).end();
      if (url === "/latest/meta-data/iam/security-credentials/") {
        if (answerFault(state.faults.role.shift(), req, res)) return;
        return res.end("host-role\n");
      }
      if (url === "/latest/meta-data/iam/security-credentials/host-role") {
        if (answerFault(state.faults.credentials.shift(), req, res)) return;
        return res.end(JSON.stringify({ Code: "Success", Type: "AWS-HMAC", ...CREDS }));
      }
      return res.writeHead(404).end();
    }
    if (req.method === "POST" && url === "/ssm/") {
      if (answerFault(state.faults.ssm.shift(), req, res)) return;
      const { valid, signedHeaders } = sigV4Valid(req, body, CREDS.SecretAccessKey);
      state.requests.push({
        target: req.headers["x-amz-target"] as string,
        body,
        signatureValid: valid,
        signedHeaders,
      });
      if (!valid || req.headers["x-amz-security-token"] !== CREDS.Token) return res.writeHead(403).end();
      if (state.ssmStatus !== 200) return res.writeHead(state.ssmStatus).end('{"__type":"ParameterNotFound"}');
      return res.end(JSON.stringify({ Parameter: { Name: PARAMETER, Type: "SecureString", Value: state.value } }));
    }
    return res.writeHead(404).end();
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

let work: string;
let server: Server;
let sshd: RunningSshd | undefined;
const noFaults = () => ({ token: [], role: [], credentials: [], ssm: [] });
const state: FakeAwsState = { value: "", ssmStatus: 200, requests: [], faults: noFaults() };
let hostKey: { privateKey: string; publicKey: string };
let otherPublicKey: string;

async function newKey(name: string): Promise<{ privateKey: string; publicKey: string }> {
  const file = join(work, name);
  await runOk("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", file]);
  return { privateKey: await readFile(file, "utf8"), publicKey: (await readFile(`${file}.pub`, "utf8")).trim() };
}

/** The install-host-key entry of the rendered user data's bootcmd (argv as cloud-init runs it). */
function hostKeyBootcmd(): string[] {
  const userData = renderBootUserData({
    imdsUsers: ["cwagent"],
    hostKey: { parameterName: PARAMETER, region: REGION },
  });
  const bootcmd = (parse(userData) as { bootcmd: string[][] }).bootcmd;
  const entry = bootcmd.find((argv) => argv[3] === "install-host-key");
  if (!entry) throw new Error("no install-host-key entry in bootcmd");
  return entry;
}

/**
 * Runs the install-host-key entry of the rendered bootcmd under `root`, as root would at boot, with `systemctl` a
 * recording stand-in first on PATH. `imdsPort` (default: the stand-in's) lets a refusing gate front the metadata
 * service; `waitSeconds` is the script's time limit (HOST_KEY_WAIT_SECONDS).
 */
async function runBootcmd(root: string, opts: { imdsPort?: number; ssmPort?: number; waitSeconds?: number } = {}) {
  const bootcmd = hostKeyBootcmd();
  const port = (server.address() as AddressInfo).port;
  const bin = join(work, "bin");
  await mkdir(bin, { recursive: true });
  await writeFile(join(work, "systemctl.log"), "");
  await writeFile(join(bin, "systemctl"), `#!/bin/sh\necho "$*" >>${JSON.stringify(join(work, "systemctl.log"))}\n`);
  await chmod(join(bin, "systemctl"), 0o755);
  const started = Date.now();
  const result = await run(bootcmd[0]!, bootcmd.slice(1), {
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      TMPDIR: tmpdir(), // the suite's private temporary directory: what the boot step leaves there fails the run
      HOST_KEY_ROOT: root,
      HOST_KEY_IMDS: `http://127.0.0.1:${opts.imdsPort ?? port}`,
      HOST_KEY_SSM_URL: `http://127.0.0.1:${opts.ssmPort ?? port}/ssm/`,
      HOST_KEY_WAIT_SECONDS: String(opts.waitSeconds ?? 6),
    },
    timeoutMs: 120_000,
  });
  const seconds = (Date.now() - started) / 1000;
  const calls = (await readFile(join(work, "systemctl.log"), "utf8")).split("\n").filter(Boolean);
  return { ...result, calls, seconds };
}

beforeAll(async () => {
  work = await makeTempDir("host-key-boot-");
  server = await startFakeAws(state);
  hostKey = await newKey("program-key");
  otherPublicKey = (await newKey("other-key")).publicKey;
  state.value = hostKey.privateKey;
});

afterEach(async () => {
  await sshd?.stop();
  sshd = undefined;
});

afterEach(() => {
  state.faults = noFaults();
  state.ssmStatus = 200;
});

afterAll(async () => {
  await sshd?.stop();
  server?.closeAllConnections(); // hung requests ("hang" faults) would hold close() for ever
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await removeDir(work);
});

describe("host key boot script (cloud-init bootcmd from the rendered user data)", () => {
  const root = () => join(work, "root");

  it("fetches the key from SSM with a valid SigV4 signature and installs it as the only host key", async () => {
    const r = await runBootcmd(root());
    expect(r.stderr).toContain("installed /etc/ssh/ssh_host_ed25519_key");
    expect(r.code).toBe(0);
    const ssm = state.requests.at(-1)!;
    expect(ssm).toMatchObject({ target: "AmazonSSM.GetParameter", signatureValid: true });
    expect(ssm.signedHeaders).toContain("x-amz-security-token");
    expect(JSON.parse(ssm.body)).toEqual({ Name: PARAMETER, WithDecryption: true });

    const key = join(root(), "etc/ssh/ssh_host_ed25519_key");
    expect(await readFile(key, "utf8")).toBe(hostKey.privateKey);
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    expect((await readFile(`${key}.pub`, "utf8")).trim()).toBe(hostKey.publicKey);
    expect(await readFile(join(root(), "etc/ssh/sshd_config.d/00-startup-infra-host-key.conf"), "utf8")).toMatch(
      /^HostKey \/etc\/ssh\/ssh_host_ed25519_key$/m,
    );
    expect(r.calls).toEqual(["--no-block try-restart ssh.service"]);
    expect(r.stdout + r.stderr).not.toContain("PRIVATE KEY");
  });

  it("the real sshd serving the installed key is accepted with the program's public key pinned", async () => {
    sshd = await startSshd(join(work, "sshd-ok"), {
      hostKeyFile: join(root(), "etc/ssh/ssh_host_ed25519_key"),
      pinnedHostKey: hostKey.publicKey,
    });
    const r = await sshd.ssh("echo connected");
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("connected");
  });

  it("and refused when a different key is pinned (an impostor host)", async () => {
    sshd = await startSshd(join(work, "sshd-other"), {
      hostKeyFile: join(root(), "etc/ssh/ssh_host_ed25519_key"),
      pinnedHostKey: otherPublicKey,
    });
    const r = await sshd.ssh("echo connected");
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/);
  });

  it("a second boot changes nothing and restarts nothing", async () => {
    const r = await runBootcmd(root());
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("unchanged /etc/ssh/ssh_host_ed25519_key");
    expect(r.calls).toEqual([]);
  });

  it("keeps the installed key when SSM cannot be reached on a later boot", async () => {
    state.ssmStatus = 500;
    try {
      const r = await runBootcmd(root());
      expect(r.code).toBe(0);
      expect(r.stderr).toContain("keeping the installed host key");
      expect(await readFile(join(root(), "etc/ssh/ssh_host_ed25519_key"), "utf8")).toBe(hostKey.privateKey);
    } finally {
      state.ssmStatus = 200;
    }
  });

  it("fails closed on a first boot without the key: nothing installed, non-zero exit", async () => {
    state.ssmStatus = 400;
    try {
      const fresh = join(work, "fresh-root");
      const r = await runBootcmd(fresh);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("no host key installed");
      await expect(stat(join(fresh, "etc/ssh/ssh_host_ed25519_key"))).rejects.toThrow(/ENOENT/);
    } finally {
      state.ssmStatus = 200;
    }
  });

  it("refuses a parameter that holds something other than an ED25519 private key", async () => {
    const saved = state.value;
    state.value = "not a key";
    try {
      const fresh = join(work, "bad-root");
      const r = await runBootcmd(fresh);
      expect(r.code).not.toBe(0);
      await expect(stat(join(fresh, "etc/ssh/ssh_host_ed25519_key"))).rejects.toThrow(/ENOENT/);
    } finally {
      state.value = saved;
    }
  });
});

describe("host key boot script on a cloud still being wired (first boot)", () => {
  it("rides out refused connections, 404s, empty and malformed answers, throttling, AccessDenied, cut and hung requests", async () => {
    // The metadata service refuses connections for 2 s, then: the role is not attached yet (404, twice), an empty
    // answer, credentials cut short; SSM: a 500, throttling, AccessDenied, a cut connection, a hung request, an empty
    // 200. Every fault costs one attempt; the key is installed at the end and every wait is logged.
    const port = (server.address() as AddressInfo).port;
    const gate = await startRefusingGate(port, 2);
    state.faults = {
      token: ["503"],
      role: ["404", "404", "empty"],
      credentials: ["malformed"],
      ssm: ["500", "throttled", "denied", "reset", "hang", "empty"],
    };
    try {
      const fresh = join(work, "slow-root");
      const r = await runBootcmd(fresh, { imdsPort: gate.port, waitSeconds: 90 });
      expect(r.stderr).toContain("installed /etc/ssh/ssh_host_ed25519_key");
      expect(r.code).toBe(0);
      expect(await readFile(join(fresh, "etc/ssh/ssh_host_ed25519_key"), "utf8")).toBe(hostKey.privateKey);
      // Every fault was met, and every wait was logged with its cause.
      expect(state.faults).toEqual(noFaults());
      const waits = r.stderr.split("\n").filter((l) => l.includes("retrying in"));
      expect(waits.length).toBeGreaterThanOrEqual(13);
      expect(r.stderr).toMatch(/metadata token: curl: \(7\)/); // refused
      expect(r.stderr).toContain("metadata token: HTTP 503");
      expect(r.stderr).toContain("instance role (404 until the instance profile is attached): HTTP 404");
      expect(r.stderr).toContain("instance role (404 until the instance profile is attached): empty answer");
      expect(r.stderr).toContain("credentials of host-role: not a JSON document");
      expect(r.stderr).toMatch(/SSM GetParameter .*: HTTP 500/);
      expect(r.stderr).toMatch(/SSM GetParameter .*: HTTP 400 ThrottlingException/);
      expect(r.stderr).toMatch(/SSM GetParameter .*: HTTP 400 AccessDeniedException/);
      expect(r.stderr).toMatch(/SSM GetParameter .*: curl: \(52\)/); // cut: empty reply from server
      expect(r.stderr).toMatch(/SSM GetParameter .*: curl: \(28\)/); // hung: timed out
      expect(r.stderr).toMatch(/SSM GetParameter .*: empty answer/);
      expect(r.stderr).toMatch(/fetched parameter .* on attempt \d+/);
      expect(r.stdout + r.stderr).not.toContain("PRIVATE KEY");
      expect(r.stderr).not.toContain(CREDS.SecretAccessKey);
    } finally {
      await gate.stop();
    }
  });

  it("waits while SSM refuses connections, then installs the key", async () => {
    const port = (server.address() as AddressInfo).port;
    // Long enough that the script meets the refusal even on a loaded machine, where it reaches SSM seconds later.
    const gate = await startRefusingGate(port, 20);
    try {
      const fresh = join(work, "ssm-refused-root");
      const r = await runBootcmd(fresh, { ssmPort: gate.port, waitSeconds: 90 });
      expect(r.stderr).toMatch(/SSM GetParameter .*: curl: \(7\)/);
      expect(r.stderr).toContain("installed /etc/ssh/ssh_host_ed25519_key");
      expect(r.code).toBe(0);
    } finally {
      await gate.stop();
    }
  });

  it("keeps to its time limit when the metadata service never answers, and fails closed", async () => {
    const port = (server.address() as AddressInfo).port;
    const gate = await startRefusingGate(port, Infinity);
    try {
      const fresh = join(work, "never-root");
      const r = await runBootcmd(fresh, { imdsPort: gate.port, waitSeconds: 5 });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("giving up after 5s");
      expect(r.stderr).toContain("no host key installed");
      expect(r.seconds).toBeGreaterThanOrEqual(4);
      expect(r.seconds).toBeLessThan(5 + 3);
      await expect(stat(join(fresh, "etc/ssh/ssh_host_ed25519_key"))).rejects.toThrow(/ENOENT/);
    } finally {
      await gate.stop();
    }
  });

  it("keeps to its time limit when SSM accepts and never answers (no Elastic IP yet: timeouts)", async () => {
    state.faults.ssm = Array<Fault>(50).fill("hang");
    const fresh = join(work, "hung-root");
    const r = await runBootcmd(fresh, { waitSeconds: 5 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/SSM GetParameter .*: curl: \(28\)/);
    expect(r.stderr).toContain("giving up after 5s");
    expect(r.seconds).toBeLessThan(5 + 3);
  });
});

// The RENDERED registry config.yml and htpasswd, loaded by Debian's real registry binary (2.8.2): dev (TLS with a
// CA-signed leaf, SAN IP 127.0.0.1, as the program mints it) and prod (plain HTTP on loopback, behind Nginx).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Agent, fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOST_PATHS, renderProvisionPlan } from "../../components/registryHost/render/index.js";
import {
  freePort,
  makeTempDir,
  mintCa,
  mintLeafCert,
  removeDir,
  runOk,
  type RunningRegistry,
} from "./support/index.js";
import { writeHostFiles } from "./support/host-files.js";
import { htpasswdLine, sampleInput } from "./support/host-input.js";
import { startRenderedDevRegistry, startRenderedRegistry } from "./support/host-registry.js";

let work: string;
let caPem: string;
let dev: RunningRegistry | undefined;
let prod: RunningRegistry | undefined;
let agent: Agent;

async function status(url: string, auth?: string): Promise<number> {
  const res = await fetch(`${url}/v2/`, {
    dispatcher: agent,
    headers: auth ? { authorization: `Basic ${Buffer.from(auth).toString("base64")}` } : {},
  });
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  work = await makeTempDir("host-registry-");
  const ca = await mintCa(join(work, "ca"), "Dev Registry CA");
  const leaf = await mintLeafCert(join(work, "ca"), ca, { ipSans: ["127.0.0.1"] });
  caPem = await readFile(ca.certPath, "utf8");
  agent = new Agent({ connect: { ca: caPem } });
  // One user hashed by apache2-utils' htpasswd, one by bcryptjs (what @pulumi/random's bcryptHash yields: $2a$).
  const ciLine = (await runOk("htpasswd", ["-Bbn", "-C", "5", "ci", "ci-secret"])).stdout.trim();
  const htpasswd = `${ciLine}\n${htpasswdLine("deploy", "deploy-secret")}\n`;

  const devInput = sampleInput("dev", {
    htpasswd,
    certificatePem: await readFile(leaf.certPath, "utf8"),
    privateKeyPem: await readFile(leaf.keyPath, "utf8"),
    caCertificatePem: caPem,
  });
  const devRoot = join(work, "dev-root");
  await writeHostFiles(devRoot, renderProvisionPlan(devInput).files);
  dev = await startRenderedDevRegistry(devRoot, {
    addr: `127.0.0.1:${await freePort()}`,
    dataDir: join(work, "dev-data"),
    caCertPath: ca.certPath,
  });

  const prodRoot = join(work, "prod-root");
  await writeHostFiles(prodRoot, renderProvisionPlan(sampleInput("prod", { htpasswd })).files);
  prod = await startRenderedRegistry(join(prodRoot, HOST_PATHS.registryConfig), {
    addr: `127.0.0.1:${await freePort()}`,
    dataDir: join(work, "prod-data"),
    htpasswdPath: join(prodRoot, HOST_PATHS.htpasswd),
  });
});

afterAll(async () => {
  await dev?.stop();
  await prod?.stop();
  await agent?.close();
  await removeDir(work);
});

describe("rendered dev registry config (TLS by the registry itself)", () => {
  it("serves TLS with the CA-signed certificate and demands credentials", async () => {
    expect(dev!.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await status(dev!.url)).toBe(401);
  });

  it("answers 401 to a wrong password and 200 to the right ones (htpasswd -B and bcryptjs hashes)", async () => {
    expect(await status(dev!.url, "ci:wrong-password")).toBe(401);
    expect(await status(dev!.url, "nobody:ci-secret")).toBe(401);
    expect(await status(dev!.url, "ci:ci-secret")).toBe(200);
    expect(await status(dev!.url, "deploy:deploy-secret")).toBe(200);
  });

  it("refuses TLS 1.1 (minimumtls tls1.2) and accepts TLS 1.2", async () => {
    const target = dev!.address;
    const old = await runOk("bash", [
      "-c",
      `openssl s_client -connect ${target} -tls1_1 -cipher DEFAULT@SECLEVEL=0 </dev/null >/dev/null 2>&1; echo $?`,
    ]);
    expect(old.stdout.trim()).not.toBe("0");
    const ok = await runOk("bash", ["-c", `openssl s_client -connect ${target} -tls1_2 </dev/null 2>&1 || true`]);
    expect(ok.stdout).toMatch(/Protocol\s*:\s*TLSv1\.2/);
  });

  it("created no default user and logged no generated password", () => {
    expect(dev!.logs()).not.toMatch(/password/i);
  });
});

describe("rendered prod registry config (plain HTTP on loopback behind Nginx)", () => {
  it("serves plain HTTP and applies the same htpasswd", async () => {
    expect(prod!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await status(prod!.url)).toBe(401);
    expect(await status(prod!.url, "deploy:wrong")).toBe(401);
    expect(await status(prod!.url, "deploy:deploy-secret")).toBe(200);
  });

  it("has deletes enabled (the retention tool deletes by digest)", async () => {
    const res = await fetch(`${prod!.url}/v2/none/manifests/sha256:${"0".repeat(64)}`, {
      method: "DELETE",
      dispatcher: agent,
      headers: { authorization: `Basic ${Buffer.from("ci:ci-secret").toString("base64")}` },
    });
    await res.arrayBuffer();
    // 405 UNSUPPORTED would mean deletes are off; an unknown digest in an unknown repository is 404.
    expect(res.status).toBe(404);
  });
});

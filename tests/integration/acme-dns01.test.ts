// ACME over dns-01 on real software: the RENDERED registry-acme drives Debian's lego with its `exec` DNS provider in
// place of Route53 (the one rewritten line of the configuration). The stand-in records each TXT record lego would
// write and publishes it in pebble-challtestsrv, where Pebble's validation really looks it up.
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACME_PATHS, renderProvisionPlan, type HostRenderInput } from "../../components/registryHost/render/index.js";
import { freePort, makeServiceTempDir, removeDir, waitFor } from "./support/index.js";
import { acmeHost, verifiedSerial, type AcmeHost } from "./support/acme-host.js";
import { writeHostFiles } from "./support/host-files.js";
import { sampleInput } from "./support/host-input.js";
import { startNginx, writeNginxTree, type RunningNginx } from "./support/host-nginx.js";
import { startPebble, type RunningPebble } from "./support/pebble.js";

const DOMAIN = "example.test";
const NAMES = [`docker.${DOMAIN}`, `www.${DOMAIN}`];

let work: string;
let root: string;
let ports: { http: number; https: number };
let pebble: RunningPebble | undefined;
let nginx: RunningNginx | undefined;
let host: AcmeHost;
let recorded: string;
let rootPath: string;

beforeAll(async () => {
  work = await makeServiceTempDir("acme-dns01-");
  root = join(work, "root");
  ports = { http: await freePort(), https: await freePort() };
  pebble = await startPebble(join(work, "pebble"), { httpPort: ports.http });
  rootPath = join(work, "pebble-root.pem");
  await writeFile(rootPath, await pebble.issuanceRoot());

  const { tls: _shipped, ...prod } = sampleInput("prod", { domain: DOMAIN, sites: { docker: "registry", www: 8080 } });
  const input: HostRenderInput = {
    ...prod,
    acme: { email: "ops@example.org", directoryUrl: pebble.directoryUrl, challenge: "dns-01" },
  };
  const plan = renderProvisionPlan(input);
  await writeHostFiles(
    root,
    plan.files.filter((f) => !f.path.startsWith("/etc/nginx/")),
  );
  const conf = await writeNginxTree(root, plan.files, plan.links ?? [], ports);

  // The stand-in for Route53: lego's exec provider calls it with `present|cleanup <fqdn> <value>`; it records the call
  // and publishes (or removes) the TXT record in the DNS that Pebble validates against.
  recorded = join(work, "txt-records.log");
  const provider = join(work, "route53-stand-in");
  const dns = pebble.dnsManagementUrl;
  await writeFile(
    provider,
    `#!/bin/bash
set -euo pipefail
printf '%s %s %s\\n' "$1" "$2" "$3" >>${JSON.stringify(recorded)}
case "$1" in
  present) curl -sSf -X POST --data "{\\"host\\":\\"$2\\",\\"value\\":\\"$3\\"}" ${dns}/set-txt ;;
  cleanup) curl -sSf -X POST --data "{\\"host\\":\\"$2\\"}" ${dns}/clear-txt ;;
esac
`,
  );
  await chmod(provider, 0o755);
  // lego's propagation check asks the zone's authoritative servers, which the stand-in DNS does not model; its
  // recursive lookups go to the stand-in too (loopback only). Global options: the lego shim puts them first.
  const legoOptions = ["--dns.disable-cp", "--dns.resolvers", pebble.dnsAddress];
  const legoEnv = {
    LEGO_CA_CERTIFICATES: pebble.tlsCaPath,
    EXEC_PATH: provider,
    // The exec provider waits this long between names (default 60 s): nothing to wait for here.
    EXEC_SEQUENCE_INTERVAL: "1",
  };
  host = await acmeHost(root, conf, join(work, "bin"), legoEnv, legoOptions);
  const prepared = await host.acme(["prepare"]);
  if (prepared.code !== 0) throw new Error(`prepare failed: ${prepared.stderr}`);
  nginx = await startNginx(root, conf, ports.https);
}, 120_000);

afterAll(async () => {
  await nginx?.stop();
  await pebble?.stop();
  await removeDir(work);
});

describe("dns-01", () => {
  it("the rendered configuration names Route53 as the provider (the only line the test replaces)", async () => {
    const conf = await readFile(join(root, ACME_PATHS.config), "utf8");
    expect(conf).toContain("ACME_CHALLENGE='dns-01'\nACME_DNS_PROVIDER='route53'\n");
  });

  it("writes one _acme-challenge TXT record per name, Pebble validates them, Nginx serves the chain", async () => {
    const tool = await host.variant("exec", (conf) =>
      conf.replace("ACME_DNS_PROVIDER='route53'", "ACME_DNS_PROVIDER='exec'"),
    );
    const r = await host.acme(["issue"], { tool });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const calls = (await readFile(recorded, "utf8"))
      .trim()
      .split("\n")
      .map((l) => l.split(" "));
    for (const name of NAMES) {
      const present = calls.filter(([action, fqdn]) => action === "present" && fqdn === `_acme-challenge.${name}.`);
      expect(present).toHaveLength(1);
      // The record's value: base64url(SHA-256(key authorization)), 43 characters (RFC 8555, section 8.4).
      expect(present[0]![2]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(calls).toContainEqual(["cleanup", `_acme-challenge.${name}.`, present[0]![2]]);
    }
    expect(calls.every(([, fqdn]) => fqdn!.startsWith("_acme-challenge."))).toBe(true);
    const served = await readFile(join(root, ACME_PATHS.servedCertificate), "utf8");
    expect(served).toBe(await readFile(join(root, ACME_PATHS.legoDir, `certificates/${NAMES[0]}.crt`), "utf8"));
    // `nginx -s reload` returns once the master has the signal; new workers take the new certificate a moment later.
    const serials: string[] = [];
    await waitFor("nginx to serve the issued certificate for every name", async () => {
      serials.splice(
        0,
        serials.length,
        ...(await Promise.all(NAMES.map((n) => verifiedSerial(ports.https, n, rootPath)))),
      );
      return true;
    });
    expect(new Set(serials).size).toBe(1);
  });
});

import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { mintCa, mintLeaf, withTempDir } from "../fixtures/certs";

const PROJECT_DIR = resolve(__dirname, "../..");

/** Deploys prod under mocks in a child process (as `pulumi up` would run the program) with this chain and key. */
function deployProd(chainPem: string, keyPem: string): { errors: string[]; created: string[] } {
  const child = withTempDir((dir) => {
    writeFileSync(join(dir, "chain.pem"), chainPem);
    writeFileSync(join(dir, "key.pem"), keyPem);
    return spawnSync(
      join(PROJECT_DIR, "node_modules/.bin/tsx"),
      ["tests/fixtures/deployProdWithCertificate.ts", join(dir, "chain.pem"), join(dir, "key.pem")],
      { cwd: PROJECT_DIR, encoding: "utf8", timeout: 60_000 },
    );
  }, "deploy-");
  // The exit status is not the verdict (a failed deployment exits non-zero); the report on stdout is.
  if (!child.stdout.startsWith("{")) throw new Error(`no report from the child: ${child.stderr}`);
  return JSON.parse(child.stdout) as { errors: string[]; created: string[] };
}

const MISSING_ADMIN =
  "tlsCertificateChain: the leaf certificate does not cover admin.example.com " +
  "(its subjectAltName: DNS:docker.example.com, DNS:www.example.com).";

let bad: { errors: string[]; created: string[] };
let good: { errors: string[]; created: string[] };
let keyPem: string;
beforeAll(() => {
  const { ca, partial, full } = withTempDir((dir) => {
    const ca = mintCa(dir);
    return {
      ca,
      partial: mintLeaf(dir, ca, { name: "partial", dnsNames: ["docker.example.com", "www.example.com"] }),
      full: mintLeaf(dir, ca, {
        name: "full",
        dnsNames: ["docker.example.com", "www.example.com", "admin.example.com"],
      }),
    };
  });
  keyPem = partial.keyPem;
  bad = deployProd(partial.certPem + ca.certPem, partial.keyPem);
  good = deployProd(full.certPem + ca.certPem, full.keyPem);
});

describe("prod deployment with a provided certificate that misses a site", () => {
  it("fails with the config key and the missing name", () => {
    expect(bad.errors.length).toBeGreaterThan(0);
    for (const e of bad.errors) expect(e).toContain(MISSING_ADMIN);
  });

  it("never reaches a remote step (no command is created), while the rest of the stack is", () => {
    expect(bad.created).toContain("aws:ec2/instance:Instance");
    expect(bad.created.filter((t) => t.startsWith("command:"))).toEqual([]);
  });

  it("never puts key material in the error", () => {
    const body = keyPem.split("\n")[1]!;
    for (const e of bad.errors) expect(e).not.toContain(body);
  });

  it("with a certificate covering every site, deploys cleanly and runs the remote steps", () => {
    expect(good.errors).toEqual([]);
    expect(good.created.filter((t) => t === "command:remote:Command").length).toBeGreaterThan(0);
  });
});

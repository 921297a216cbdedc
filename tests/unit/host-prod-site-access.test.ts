import { beforeAll, describe, expect, it } from "vitest";
import { mintCa, mintLeaf, tempDir } from "../fixtures/certs";
import { runStack, type StackRun } from "./support/runStack";

// Prod with host.siteAllowedCidrs: the limited site's Nginx file admits only those ranges; the others stay open.
let run: StackRun;
beforeAll(async () => {
  const dir = tempDir();
  const ca = mintCa(dir);
  const leaf = mintLeaf(dir, ca, {
    name: "site",
    dnsNames: ["docker.example.com", "www.example.com", "admin.example.com"],
  });
  run = await runStack(
    "prod",
    { host: { sshAllowedCidrs: ["203.0.113.10/32"], siteAllowedCidrs: { admin: ["198.51.100.0/24"] } } },
    { tlsCertificateChain: leaf.certPem + ca.certPem, tlsPrivateKey: leaf.keyPem },
  );
});

describe("prod site access lists", () => {
  it("limits admin to its ranges and leaves www and the registry open", () => {
    const file = (site: string) =>
      run.hostFiles.find((f) => f.path === `/etc/nginx/sites-available/${site}.example.com.conf`)!;
    expect(file("admin").content).toMatch(/allow 198\.51\.100\.0\/24;\s+deny all;/);
    expect(file("www").content).not.toMatch(/deny all/);
    expect(file("docker").content).not.toMatch(/deny all/);
  });
});

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseStackConfig } from "../../stacks/config/parse";
import { openSshHostKeyProblem, openSshKeyLine, openSshPublicKeyProblem } from "../../stacks/config/sections/common";
import { problems, raw } from "./support/rawConfig";

// Real keys from OpenSSH's ssh-keygen (openssh-client, installed by the test command), as sshd's host keys are made.
const dir = mkdtempSync(join(tmpdir(), "ssh-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function realKey(type: "ed25519" | "ecdsa" | "rsa"): string {
  const file = join(dir, type);
  execFileSync("ssh-keygen", ["-q", "-t", type, "-N", "", "-C", `root@host-${type}`, "-f", file]);
  return readFileSync(`${file}.pub`, "utf8");
}
const keys = { ed25519: realKey("ed25519"), ecdsa: realKey("ecdsa"), rsa: realKey("rsa") };
const HOST = { sshAllowedCidrs: ["203.0.113.10/32"] };

describe("OpenSSH public key lines", () => {
  it.each(Object.entries(keys))("accepts a real %s key line as ssh-keygen writes it", (_type, line) => {
    expect(openSshPublicKeyProblem(line)).toBeUndefined();
    expect(openSshKeyLine(line)).toBe(line.trim().split(" ").slice(0, 2).join(" "));
    expect(openSshKeyLine(line)).not.toContain("root@host");
  });

  it("refuses ssh-keyscan's format (host name first), a cut-short line, a swapped type and non-base64 data", () => {
    const [type, data] = keys.ed25519.trim().split(" ") as [string, string];
    expect(openSshPublicKeyProblem(`198.51.100.7 ${type} ${data}`)).toMatch(/must be an OpenSSH public key line/);
    expect(openSshPublicKeyProblem(type)).toMatch(/must be an OpenSSH public key line/);
    expect(openSshPublicKeyProblem(`${type} ${data.slice(0, 8)}`)).toMatch(/does not hold a ssh-ed25519 key/);
    expect(openSshPublicKeyProblem(`ssh-rsa ${data}`)).toMatch(/does not hold a ssh-rsa key/);
    expect(openSshPublicKeyProblem(`${type} not*base64`)).toMatch(/not base64/);
  });
});

describe("host.sshHostKey and host.sshPublicKey in stack config", () => {
  it("refuses an ssh-rsa host key (the provider would offer only SHA-1 ssh-rsa) but accepts RSA as the login key", () => {
    expect(openSshHostKeyProblem(keys.rsa)).toMatch(/ssh-rsa key.*SHA-1.*ssh-ed25519/);
    expect(openSshHostKeyProblem(keys.ed25519)).toBeUndefined();
    expect(openSshHostKeyProblem(keys.ecdsa)).toBeUndefined();
    const found = problems(raw("dev", { host: { ...HOST, sshHostKey: keys.rsa, sshPublicKey: keys.rsa } }));
    expect(found.map((p) => p.key)).toEqual(["host.sshHostKey"]);
    expect(found[0]!.message).toMatch(/ssh-rsa key/);
  });

  it("accepts real keys for both", () => {
    const config = parseStackConfig(raw("dev", { host: { ...HOST, sshHostKey: keys.ecdsa, sshPublicKey: keys.rsa } }));
    expect(config.host.sshHostKey).toBe(keys.ecdsa);
    expect(config.host.sshPublicKey).toBe(keys.rsa);
  });

  it("names the key and the command that fixes it, for each bad key at once", () => {
    const found = problems(
      raw("dev", { host: { ...HOST, sshHostKey: `[203.0.113.7]:22 ${keys.ed25519}`, sshPublicKey: "ssh-ed25519" } }),
    );
    expect(found.map((p) => p.key).sort()).toEqual(["host.sshHostKey", "host.sshPublicKey"]);
    for (const p of found) {
      expect(p.message).toMatch(/OpenSSH public key line/);
      expect(p.fix).toContain(`pulumi config set --path '${p.key}'`);
    }
  });
});

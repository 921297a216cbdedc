// The CloudWatch agent step's package check, run on the real gpg: the rendered script's verify_package accepts only a
// package signed by the key whose fingerprint is pinned, and refuses another key, a package signed by another key,
// and a tampered package. (The download and dpkg install need AWS's S3 and would change this machine: not run here.)
import { mkdir, writeFile, appendFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOUDWATCH_AGENT, renderInstallCloudwatchAgentScript } from "../../components/registryHost/render/index.js";
import { makeTempDir, removeDir, run, runOk } from "./support/index.js";

let work: string;
const homes: string[] = [];

/** A throwaway signing key: its home, exported public key and fingerprint. */
async function signingKey(name: string): Promise<{ home: string; publicKey: string; fingerprint: string }> {
  const home = join(work, `${name}-home`);
  await mkdir(home, { mode: 0o700 });
  homes.push(home);
  const env = { ...process.env, GNUPGHOME: home };
  await runOk(
    "gpg",
    [
      "--batch",
      "--quiet",
      "--passphrase",
      "",
      "--quick-gen-key",
      `${name} <${name}@example.test>`,
      "ed25519",
      "sign",
      "never",
    ],
    { env },
  );
  const publicKey = join(work, `${name}.asc`);
  await writeFile(publicKey, (await runOk("gpg", ["--batch", "--armor", "--export"], { env })).stdout);
  const colons = (await runOk("gpg", ["--batch", "--with-colons", "--fingerprint"], { env })).stdout;
  const fingerprint = colons
    .split("\n")
    .find((l) => l.startsWith("fpr:"))!
    .split(":")[9]!;
  return { home, publicKey, fingerprint };
}

async function sign(home: string, file: string): Promise<string> {
  await runOk("gpg", ["--batch", "--yes", "--detach-sign", "-o", `${file}.sig`, file], {
    env: { ...process.env, GNUPGHOME: home },
  });
  return `${file}.sig`;
}

/** The rendered script with `verify_package` called instead of main. */
async function verify(fingerprint: string, deb: string, sig: string, key: string) {
  const script = renderInstallCloudwatchAgentScript({ ...CLOUDWATCH_AGENT, keyFingerprint: fingerprint });
  expect(script.endsWith('main "$@" </dev/null\n')).toBe(true);
  const body = `${script.slice(0, -'main "$@" </dev/null\n'.length)}verify_package "$@"\n`;
  const file = join(work, "verify.sh");
  await writeFile(file, body);
  const home = join(work, `verify-home-${homes.length}`);
  homes.push(home);
  return run("bash", [file, deb, sig, key, home]);
}

let aws: Awaited<ReturnType<typeof signingKey>>;
let other: Awaited<ReturnType<typeof signingKey>>;
let deb: string;

beforeAll(async () => {
  work = await makeTempDir("cwagent-verify-");
  aws = await signingKey("pinned");
  other = await signingKey("other");
  deb = join(work, "amazon-cloudwatch-agent.deb");
  await writeFile(deb, "not really a package, but bytes to sign\n");
});

afterAll(async () => {
  for (const home of homes) await run("gpgconf", ["--kill", "all"], { env: { ...process.env, GNUPGHOME: home } });
  await removeDir(work);
});

describe("verify_package (rendered install-cloudwatch-agent step)", () => {
  it("accepts a package signed by the pinned key", async () => {
    const r = await verify(aws.fingerprint, deb, await sign(aws.home, deb), aws.publicKey);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("refuses a key with another fingerprint", async () => {
    const r = await verify(aws.fingerprint, deb, await sign(other.home, deb), other.publicKey);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`the downloaded signing key is not AWS's CloudWatch agent key ${aws.fingerprint}`);
  });

  it("refuses a package signed by another key, even when the pinned key is served", async () => {
    const r = await verify(aws.fingerprint, deb, await sign(other.home, deb), aws.publicKey);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`is not signed by ${aws.fingerprint}`);
  });

  it("refuses a tampered package", async () => {
    const tampered = join(work, "tampered.deb");
    await writeFile(tampered, "not really a package, but bytes to sign\n");
    const sig = await sign(aws.home, tampered);
    await appendFile(tampered, "one more line\n");
    const r = await verify(aws.fingerprint, tampered, sig, aws.publicKey);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`is not signed by ${aws.fingerprint}`);
  });
});

// The stack files against the real Pulumi CLI's own config validation (pulumi/pulumi
// sdk/go/common/workspace/config.go, mergeConfig): `pulumi preview` must get past it on both stacks. Offline, with
// an empty PULUMI_HOME, the engine then stops at the first plugin it needs and cannot have: with `pulumi preview`
// that is the Node.js language host, and with the program run in-process (the Automation API's inline program,
// which serves the language runtime itself) the first provider plugin the real program asks for.
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { require as tsxRequire } from "tsx/cjs/api";
import { afterEach, describe, expect, it } from "vitest";
import { mintCa, mintLeaf } from "../fixtures/certs";
import { PROJECT_DIR, PulumiSandbox, pulumiBinDir } from "./support/pulumi-cli";

const MISSING_CONFIG = /missing configuration value/i;

function lockedVersion(pkg: string): string {
  const lock = JSON.parse(readFileSync(join(PROJECT_DIR, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version: string }>;
  };
  return lock.packages[`node_modules/${pkg}`]!.version;
}
let sandbox: PulumiSandbox | undefined;
afterEach(async () => {
  await sandbox?.dispose();
  sandbox = undefined;
});

/** A scratch copy of the project's Pulumi files with the stack created and its secrets set as the README says. */
async function stackInSandbox(stack: "dev" | "prod"): Promise<PulumiSandbox> {
  sandbox = await PulumiSandbox.create(["Pulumi.yaml", `Pulumi.${stack}.yaml`]);
  await sandbox.pulumiOk(["stack", "init", stack]);
  if (stack === "prod") {
    // README "Deploying for real", step 4: the purchased certificate, as secrets.
    const ca = mintCa(sandbox.root, "Test CA", 400);
    const leaf = mintLeaf(sandbox.root, ca, { name: "leaf", dnsNames: ["*.example.com", "example.com"], days: 400 });
    await writeFile(join(sandbox.workDir, "fullchain.pem"), await readFile(leaf.certPath));
    await writeFile(join(sandbox.workDir, "privkey.pem"), await readFile(leaf.keyPath));
    for (const line of [
      'pulumi config set --secret tlsCertificateChain -- "$(cat fullchain.pem)"',
      'pulumi config set --secret tlsPrivateKey -- "$(cat privkey.pem)"',
    ]) {
      const r = await sandbox.shell(line);
      expect(r.code, r.stderr).toBe(0);
    }
  }
  return sandbox;
}

describe("each stack file passes the real CLI's config validation", () => {
  it.each(["dev", "prod"] as const)(
    "pulumi preview --stack %s stops at the missing language plugin, not config",
    async (stack) => {
      const sb = await stackInSandbox(stack);
      const r = await sb.pulumi(["preview", "--stack", stack]);
      const out = r.stdout + r.stderr;
      expect(r.code).not.toBe(0);
      expect(out).not.toMatch(MISSING_CONFIG);
      expect(out).not.toMatch(/must be (encrypted|of type)/);
      expect(out).toMatch(/language.*nodejs|nodejs.*language/i);
      console.log("LANG", out);
    },
  );

  it("the same CLI does stop on a declared key without a default (the check above can fail)", async () => {
    const sb = await stackInSandbox("dev");
    const project = await readFile(join(sb.workDir, "Pulumi.yaml"), "utf8");
    await writeFile(
      join(sb.workDir, "Pulumi.yaml"),
      `${project}  startup-infra:probe:\n    type: string\n    description: declared without a default\n`,
    );
    const r = await sb.pulumi(["preview", "--stack", "dev"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("Stack 'dev' is missing configuration value 'startup-infra:probe'");
  });

  it.each(["dev", "prod"] as const)(
    "the real program, run by the real engine on the %s stack, gets past its own config parse to the first provider plugin",
    async (stack) => {
      const sb = await stackInSandbox(stack);
      const pulumiCommand = await PulumiCommand.get({ root: join(pulumiBinDir(), "..") });
      const ws = await LocalWorkspace.create({
        workDir: sb.workDir,
        pulumiCommand,
        envVars: sb.env as Record<string, string>,
        // The project's entry point loaded the way Pulumi.yaml has Node load it (tsx's CommonJS hook).
        program: async () => {
          const program = tsxRequire(join(PROJECT_DIR, "index.ts"), __filename) as () => Promise<
            Record<string, unknown>
          >;
          return program();
        },
      });
      const s = await Stack.select(stack, ws);
      const failure = await s.preview({ color: "never" }).then(
        () => new Error("preview succeeded without provider plugins"),
        (e: unknown) => e as Error,
      );
      const message = failure.message;
      expect(message).not.toMatch(MISSING_CONFIG);
      expect(message).not.toContain("Invalid configuration for stack");
      // The first provider the program registers (AWS or Azure Native; registration is concurrent) needs its
      // plugin at the SDK's version, which an empty PULUMI_HOME does not have.
      const missing = ["aws", "azure-native", "tls", "random", "command"].map(
        (p) =>
          `no resource plugin 'pulumi-resource-${p}' found in the workspace at version v${lockedVersion(`@pulumi/${p}`)}`,
      );
      expect(
        missing.some((m) => message.includes(m)),
        message,
      ).toBe(true);
    },
  );
});

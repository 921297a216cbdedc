import { readFile } from "node:fs/promises";
import { CommandLineError, parseCommandLine } from "../lib/commandLine.js";
import { EXIT, PulumiCliMissingError, UsageError, type ExitCode } from "../deploy/errors.js";
import type { DeployWorkspace } from "../deploy/types.js";
import { InvalidCaCertificateError } from "./certificate.js";
import { DEFAULT_CERTS_DIR, TrustInputError, trustRegistryCa } from "./trust.js";

export const TRUST_USAGE =
  "usage: npm run trust-registry-ca -- (--stack <name> | --outputs-json <file>) [--certs-dir <dir>]";

export interface TrustArgs {
  stack?: string;
  outputsJsonFile?: string;
  certsDir: string;
}

export function parseTrustArgs(argv: string[]): TrustArgs | null {
  let values;
  try {
    ({ values } = parseCommandLine({
      args: argv,
      allowPositionals: false,
      options: {
        stack: { type: "string", short: "s" },
        "outputs-json": { type: "string" },
        "certs-dir": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    if (!(err instanceof CommandLineError)) throw err;
    throw new UsageError(`${err.message}\n${TRUST_USAGE}`);
  }
  if (values.help) return null;
  if ((values.stack === undefined) === (values["outputs-json"] === undefined)) {
    throw new UsageError(`give exactly one of --stack or --outputs-json\n${TRUST_USAGE}`);
  }
  return {
    stack: values.stack,
    outputsJsonFile: values["outputs-json"],
    certsDir: values["certs-dir"] ?? DEFAULT_CERTS_DIR,
  };
}

export interface TrustDeps {
  /** Only used with --stack (the CLI passes the Automation API workspace). */
  workspace: () => DeployWorkspace;
  stdout(text: string): void;
  stderr(text: string): void;
  now: Date;
}

async function readOutputs(args: TrustArgs, deps: TrustDeps): Promise<Record<string, unknown>> {
  if (args.outputsJsonFile !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(args.outputsJsonFile, "utf8"));
    } catch (err) {
      throw new UsageError(`cannot read outputs JSON ${args.outputsJsonFile}: ${(err as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new UsageError(`${args.outputsJsonFile} is not a JSON object of stack outputs`);
    }
    return parsed as Record<string, unknown>;
  }
  const workspace = deps.workspace();
  await workspace.ensureCli();
  const stack = await workspace.openStack(args.stack!, { create: false });
  const outputs = await stack.outputs();
  // The CA certificate is public material: its plain value is what ca.crt needs, secret flag or not.
  return Object.fromEntries(Object.entries(outputs).map(([name, o]) => [name, o.value]));
}

/** Exit codes: 0 trusted / already trusted / public CA; 2 bad usage, invalid input or no CLI; 1 anything else. */
export async function runTrustCa(args: TrustArgs, deps: TrustDeps): Promise<ExitCode> {
  try {
    const outputs = await readOutputs(args, deps);
    const result = await trustRegistryCa({ outputs, certsDir: args.certsDir, now: deps.now });
    const source = args.stack !== undefined ? `stack ${args.stack}` : args.outputsJsonFile;
    switch (result.status) {
      case "public-ca":
        deps.stdout(`${source}: no registryCaCertificatePem output (public CA); nothing to trust\n`);
        break;
      case "already-trusted":
        deps.stdout(`already trusted: ${result.path} (${result.certificate!.fingerprint256})\n`);
        break;
      case "created":
      case "updated":
        deps.stdout(
          `${result.status === "created" ? "trusted" : "updated"}: ${result.path} ` +
            `(${result.certificate!.subject}, valid to ${result.certificate!.validTo.toISOString()})\n`,
        );
        break;
    }
    if (result.certificate?.notYetValid) {
      deps.stderr("warning: the CA certificate is not valid yet (check this machine's clock)\n");
    }
    return EXIT.ok;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    deps.stderr(`error: ${message}\n`);
    if (
      err instanceof UsageError ||
      err instanceof PulumiCliMissingError ||
      err instanceof InvalidCaCertificateError ||
      err instanceof TrustInputError
    ) {
      return EXIT.usage;
    }
    return EXIT.failed;
  }
}

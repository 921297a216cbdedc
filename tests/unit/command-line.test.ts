// Command-line errors of plan, deploy and trust-registry-ca are written for people: none of Node's parseArgs wording
// ("argument is ambiguous", "Unknown option '--x'. To specify a positional argument ... '-- \"--x\"") gets through.
import { describe, expect, it } from "vitest";
import { parseDeployArgs } from "../../scripts/deploy/args";
import { UsageError } from "../../scripts/deploy/errors";
import { CommandLineError, parseCommandLine } from "../../scripts/lib/commandLine";
import { parseTrustArgs } from "../../scripts/trust-ca/run";

const OPTIONS = {
  stack: { type: "string", short: "s" },
  keep: { type: "string" },
  yes: { type: "boolean", short: "y" },
  help: { type: "boolean", short: "h" },
} as const;

function refusal(args: string[], allowPositionals = false): string {
  try {
    parseCommandLine({ args, options: OPTIONS, allowPositionals });
  } catch (e) {
    expect(e).toBeInstanceOf(CommandLineError);
    return (e as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(args)} to be refused`);
}

const NODE_WORDING = /ambiguous|To specify|Unknown option|argument missing|does not take an argument|'/;

describe("parseCommandLine", () => {
  it.each([
    [["--stak", "dev"], "unknown option --stak (did you mean --stack?); known options: --stack, --keep, --yes, --help"],
    [["--frobnicate"], "unknown option --frobnicate; known options: --stack, --keep, --yes, --help"],
    [["-x"], "unknown option -x; known options: --stack, --keep, --yes, --help"],
    [["--stack"], "--stack needs a value: --stack <value>"],
    [["--stack", "--yes"], "--stack needs a value: --stack <value>"],
    [["-s", "-y"], "--stack needs a value: --stack <value>"],
    [["--yes=1"], "--yes is a switch and takes no value"],
    [["dev"], 'unexpected argument "dev"'],
  ])("%j -> %s", (args, message) => {
    const got = refusal(args);
    expect(got).toBe(message);
    expect(got).not.toMatch(NODE_WORDING);
  });

  it("takes a dash-led value that is not an option as the value (--keep -1), as a person means it", () => {
    expect(parseCommandLine({ args: ["--keep", "-1", "-s", "dev", "-y"], options: OPTIONS }).values).toEqual({
      keep: "-1",
      stack: "dev",
      yes: true,
    });
  });

  it("keeps positionals, inline values and the -- terminator", () => {
    const parsed = parseCommandLine({
      args: ["up", "--stack=prod", "--", "--yes"],
      options: OPTIONS,
      allowPositionals: true,
    });
    expect(parsed.values).toEqual({ stack: "prod" });
    expect(parsed.positionals).toEqual(["up", "--yes"]);
  });
});

describe("the deploy and trust-registry-ca commands use it", () => {
  const usageOf = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      return (e as Error).message;
    }
    throw new Error("expected a UsageError");
  };

  it("deploy: a mistyped option gets a did-you-mean and the usage", () => {
    const message = usageOf(() => parseDeployArgs(["up", "--stak", "dev"]));
    expect(message).toMatch(/^unknown option --stak \(did you mean --stack\?\)/);
    expect(message).toContain("usage: npm run deploy");
    expect(message).not.toMatch(NODE_WORDING);
  });

  it("deploy: an option without its value says so", () => {
    expect(usageOf(() => parseDeployArgs(["up", "--stack"]))).toMatch(/^--stack needs a value: --stack <value>\n/);
  });

  it("trust-registry-ca: a mistyped option gets a did-you-mean", () => {
    const message = usageOf(() => parseTrustArgs(["--certs-di", "certs.d"]));
    expect(message).toMatch(/^unknown option --certs-di \(did you mean --certs-dir\?\)/);
    expect(message).not.toMatch(NODE_WORDING);
  });
});

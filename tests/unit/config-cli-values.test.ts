import { describe, expect, it } from "vitest";
import { rmCommand, setCommand, shellQuote } from "../../stacks/config/errors";
import { parseStackConfig } from "../../stacks/config/parse";
import { problems, raw } from "./support/rawConfig";

const HOST = { sshAllowedCidrs: ["203.0.113.10/32"] };

/**
 * Values as the real CLI stores them: `pulumi config set --path` turns base-10 digits without a leading 0 into a
 * number, `true`/`false` into booleans (pulumi/pulumi sdk/go/common/resource/config/object.go, `coerce`).
 * tests/integration/pulumi-cli-commands.test.ts runs these commands through the real CLI.
 */
describe("digit-only text settings set with --path arrive as numbers", () => {
  it("accepts an account id and an engine version stored as numbers, as the same digits", () => {
    const config = parseStackConfig(
      raw("dev", {
        host: { ...HOST, amiOwner: 137112412989 },
        aws: { allowedAccountIds: [123456789012] },
        database: { engineVersion: 16 },
        dns: { hostRecordName: 42 },
      }),
    );
    expect(config.aws.allowedAccountIds).toEqual(["123456789012"]);
    expect(config.database.engineVersion).toBe("16");
    expect(config.host.amiOwner).toBe("137112412989");
    expect(config.dns.hostRecordName).toBe("42");
  });

  it("still rejects a number that is not a valid value, and the fix sets it as text", () => {
    expect(problems(raw("dev", { host: HOST, aws: { allowedAccountIds: [1234] } }))).toEqual([
      {
        key: "aws.allowedAccountIds[0]",
        message: "must be a 12-digit AWS account id.",
        fix: "pulumi config set --path 'aws.allowedAccountIds[0]' --type string 123456789012",
      },
    ]);
  });

  it("does not turn numbers into text where a number is meant", () => {
    expect(problems(raw("dev", { host: HOST, registry: { port: "5000" } }))).toEqual([
      expect.objectContaining({ key: "registry.port", fix: "pulumi config set --path 'registry.port' 5000" }),
    ]);
  });
});

describe("fix commands are safe to paste", () => {
  it("uses --type string only where the setting is text and the CLI would coerce the value", () => {
    expect(setCommand("database.engineVersion", "16")).toBe(
      "pulumi config set --path 'database.engineVersion' --type string 16",
    );
    expect(setCommand("database.engineVersion", "8.0")).toBe("pulumi config set --path 'database.engineVersion' 8.0");
    expect(setCommand("host.amiOwner", "099720109477")).toBe("pulumi config set --path 'host.amiOwner' 099720109477");
    expect(setCommand("sites.www", "8080")).toBe("pulumi config set --path 'sites.www' 8080");
    expect(setCommand("azure.enabled", "true")).toBe("pulumi config set --path 'azure.enabled' true");
  });

  it("quotes keys and values, and puts -- before a value that starts with a dash", () => {
    expect(setCommand("dns.domain", "a b;$(rm -rf ~)")).toBe("pulumi config set --path 'dns.domain' 'a b;$(rm -rf ~)'");
    expect(setCommand("composition", "-x")).toBe("pulumi config set composition -- -x");
    expect(setCommand("registry.users[0]", undefined)).toBe("pulumi config set --path 'registry.users[0]' '<value>'");
    expect(rmCommand("host.it's")).toBe("pulumi config rm --path 'host.it'\\''s'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });

  it("quotes an unknown key taken from the stack file", () => {
    const [p] = problems(raw("dev", { host: HOST, "x;touch /tmp/pwned": "1" }));
    expect(p!.fix).toBe("pulumi config rm 'x;touch /tmp/pwned'");
  });

  it("turns a nested setting set without --path (a literal dotted key) into rm of that key and set --path", () => {
    const [p] = problems(raw("dev", { host: HOST, "host.instanceType": "t3.small" }));
    expect(p).toEqual({
      key: "host.instanceType",
      message: "is a literal key; it was set without --path, so the program never sees it as host.instanceType.",
      fix: "pulumi config rm host.instanceType && pulumi config set --path 'host.instanceType' t3.small",
    });
  });
});

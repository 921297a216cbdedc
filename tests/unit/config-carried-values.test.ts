// When only the key is wrong, the fix sets the value the user wrote under the right key: shell-quoted, never a
// secret, and the setting's example only when the value would not fit the right key either.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { problems, raw } from "./support/rawConfig";

const HOST = { sshAllowedCidrs: ["203.0.113.10/32"] };

/** The one problem's fix for these values (dev stack). */
function fixFor(values: Record<string, unknown>, secretKeys: string[] = []): string {
  const found = problems(raw("dev", { host: HOST, ...values }, secretKeys));
  expect(found).toHaveLength(1);
  return found[0]!.fix;
}

/** The argv a POSIX shell gives each `pulumi` command of a fix line (`a && b` split). */
function shellArgv(fix: string): string[][] {
  return fix.split(" && ").map((command) => {
    const r = spawnSync("sh", ["-c", `printf '%s\\0' ${command.replace(/^pulumi /, "")}`], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.split("\0").slice(0, -1);
  });
}

describe("a mistyped key's fix carries the value written", () => {
  it("database.engin: mysql is answered with database.engine mysql", () => {
    expect(fixFor({ database: { engin: "mysql" } })).toBe(
      "pulumi config rm --path 'database.engin' && pulumi config set --path 'database.engine' mysql",
    );
  });

  it("a value with spaces and shell characters is quoted so the shell hands it over unchanged", () => {
    const fix = fixFor({ registry: { gc: { onCalendr: "Mon *-*-* 04:15:00" } } });
    expect(fix).toBe(
      "pulumi config rm --path 'registry.gc.onCalendr' && " +
        "pulumi config set --path 'registry.gc.onCalendar' 'Mon *-*-* 04:15:00'",
    );
    expect(shellArgv(fix)[1]).toEqual(["config", "set", "--path", "registry.gc.onCalendar", "Mon *-*-* 04:15:00"]);
  });

  it("digit-only text keeps --type string, a number stays a number", () => {
    expect(fixFor({ aws: { allowedAccountId: ["123456789012"] } })).toBe(
      "pulumi config rm --path 'aws.allowedAccountId' && " +
        "pulumi config set --path 'aws.allowedAccountIds[0]' --type string 123456789012",
    );
    expect(fixFor({ database: { backupRetentionDay: 3 } })).toBe(
      "pulumi config rm --path 'database.backupRetentionDay' && " +
        "pulumi config set --path 'database.backupRetentionDays' 3",
    );
  });

  it("every value of a mistyped list, and one value written where a list belongs", () => {
    expect(fixFor({ host: { ...HOST, sshAllowedCidr: ["198.51.100.0/24", "192.0.2.0/24"] } })).toBe(
      "pulumi config rm --path 'host.sshAllowedCidr' && " +
        "pulumi config set --path 'host.sshAllowedCidrs[0]' 198.51.100.0/24 && " +
        "pulumi config set --path 'host.sshAllowedCidrs[1]' 192.0.2.0/24",
    );
    expect(fixFor({ host: { ...HOST, sshAllowedCidr: "198.51.100.0/24" } })).toBe(
      "pulumi config rm --path 'host.sshAllowedCidr' && pulumi config set --path 'host.sshAllowedCidrs[0]' 198.51.100.0/24",
    );
  });

  it("a mistyped section carries each of its settings", () => {
    expect(fixFor({ databse: { engine: "mysql", multiAz: true } })).toBe(
      "pulumi config rm databse && pulumi config set --path 'database.engine' mysql && " +
        "pulumi config set --path 'database.multiAz' true",
    );
  });

  it("a mistyped plain key carries its value; a value that would not fit falls back to the example", () => {
    expect(fixFor({ compositon: "dev" })).toBe("pulumi config rm compositon && pulumi config set composition dev");
    expect(fixFor({ compositon: "qa" })).toBe("pulumi config rm compositon && pulumi config set composition prod");
    expect(fixFor({ database: { engin: "oracle" } })).toBe(
      "pulumi config rm --path 'database.engin' && pulumi config set --path 'database.engine' postgres",
    );
  });
});

describe("secrets are never echoed", () => {
  it("a mistyped secret key: the secret command with its placeholder, stored secret or not", () => {
    for (const secretKeys of [["sendgridApiKy"], []]) {
      const fix = fixFor({ sendgridApiKy: "SG.real-key-value" }, secretKeys);
      expect(fix).toBe("pulumi config rm sendgridApiKy && pulumi config set --secret sendgridApiKey -- SG.xxxxx");
      expect(fix).not.toContain("real-key-value");
    }
  });

  it("a mistyped key in a section stored as a secret: --secret and a placeholder, not the value", () => {
    const fix = fixFor({ database: { engin: "mysql" } }, ["database"]);
    expect(fix).toBe(
      "pulumi config rm --path 'database.engin' && pulumi config set --secret --path 'database.engine' '<secret value>'",
    );
  });

  it("a mistyped section stored as a secret", () => {
    const fix = fixFor({ databse: { dbName: "orders-secret-name" } }, ["databse"]);
    expect(fix).toBe(
      "pulumi config rm databse && pulumi config set --secret --path 'database.dbName' '<secret value>'",
    );
  });
});

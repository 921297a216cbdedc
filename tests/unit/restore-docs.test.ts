// What docs/restore.md and the restore section's schema say happens when a `restore.*` key is removed after the
// restore, checked against the AWS provider's schema (terraform-provider-aws): an Optional+Computed input keeps its
// value in state when unset (no diff, nothing replaced); an Optional input that is not computed and ForceNew replaces
// the resource when unset.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR } from "./support/runStack";

/** Per key: the provider input it sets and whether removing the key replaces the resource. */
const REMOVAL = {
  // internal/service/ec2/ebs_volume.go: snapshot_id Optional, Computed, ForceNew.
  dataVolumeSnapshotId: { input: "snapshotId", replaces: false },
  // internal/service/rds/instance.go: snapshot_identifier Optional, Computed, ForceNew.
  databaseSnapshotIdentifier: { input: "snapshotIdentifier", replaces: false },
  // internal/service/rds/instance.go: restore_to_point_in_time Optional, ForceNew, MaxItems 1 (not computed).
  databaseSourceInstance: { input: "restoreToPointInTime", replaces: true },
  databaseRestoreTime: { input: "restoreToPointInTime", replaces: true },
} as const;

const runbook = readFileSync(join(PROJECT_DIR, "docs/restore.md"), "utf8");
const schemaSource = readFileSync(join(PROJECT_DIR, "stacks/config/sections/restore.ts"), "utf8");
/** The runbook's paragraphs and table rows that name `restore.<key>` together with what removing it does. */
const removalLines = (key: string) =>
  runbook
    .split(/\n\s*\n|\n(?=\s*\|)/)
    .map((block) => block.replace(/\s+/g, " "))
    .filter((block) => block.includes(`restore.${key}`) && /remov|replaces/i.test(block));

describe("removing a restore key after the restore", () => {
  it.each(Object.entries(REMOVAL))("%s: the runbook says what the provider does", (key, { replaces }) => {
    const lines = removalLines(key);
    expect(lines.length, `docs/restore.md says nothing about removing restore.${key}`).toBeGreaterThan(0);
    for (const line of lines) {
      if (replaces) expect(line).toMatch(/replaces the database with a new, empty one/i);
      else expect(line).toMatch(/replaces nothing/i);
    }
  });

  it("never tells the operator to keep a key set whose removal replaces nothing", () => {
    for (const [key, { replaces }] of Object.entries(REMOVAL)) {
      if (replaces) continue;
      expect(runbook, key).not.toMatch(new RegExp(`Keep \`restore\\.${key}\` set`));
    }
    expect(runbook).not.toMatch(/Keep the `restore\.\*` keys set/);
    expect(schemaSource).not.toMatch(/must stay set afterwards: removing it replaces the resource again/);
  });

  it("the config table (docs/configuration.md) agrees, key by key", () => {
    const readme = readFileSync(join(PROJECT_DIR, "docs", "configuration.md"), "utf8");
    for (const [key, { replaces }] of Object.entries(REMOVAL)) {
      const row = readme.split("\n").find((l) => l.startsWith(`| \`restore.${key}\` |`));
      expect(row, key).toBeDefined();
      expect(row, key).not.toMatch(replaces ? /replaces nothing/ : /keep it set/i);
    }
    const pitr = readme.split("\n").find((l) => l.startsWith("| `restore.databaseSourceInstance` |"))!;
    expect(pitr).toMatch(/removing them replaces the database with an empty one/);
  });
});

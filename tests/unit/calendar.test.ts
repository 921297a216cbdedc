import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { calendarProblem } from "../../stacks/config/sections/calendar";
import { problems, raw } from "./support/rawConfig";

// The schema's pure validator against the real parser: `systemd-analyze calendar` (it parses without systemd as PID 1).
const ACCEPTED = [
  "Sun *-*-* 03:30:00",
  "daily",
  "weekly",
  "Mon..Fri 09:00",
  "Mon,Wed..Fri *-*-* 00:00:00",
  "sun 03:30",
  "Sun",
  "Sun UTC",
  "*-*-1 00:00",
  "*-*~01",
  "*:0/15",
  "*-*-* 3:30",
  "1..3:00",
  "2026-01-01 12:00 UTC",
  "2026-*-* 00:00",
  "*-*-* 00:00:00.5",
  "Sat,Sun 10:00",
];
const REJECTED = [
  "",
  "   ",
  "Sun 25:00",
  "Funday 03:00",
  "*-13-01",
  "03:30 Sunday",
  "hourly; rm -rf /",
  "Sun *-*-* 03:30:61",
  "UTC",
  "Mon..",
  "*/2:00",
  "0/0:00",
  "every sunday",
  "--privileged",
];

function systemdAccepts(expression: string): boolean {
  const r = spawnSync("systemd-analyze", ["calendar", expression], { encoding: "utf8" });
  if (r.error) throw new Error(`systemd-analyze is needed for this test (apt-get install systemd): ${r.error.message}`);
  return r.status === 0;
}

describe("registry.gc.onCalendar validation", () => {
  it.each(ACCEPTED)("accepts %j, as systemd-analyze does", (expression) => {
    expect(systemdAccepts(expression)).toBe(true);
    expect(calendarProblem(expression)).toBeUndefined();
  });

  it.each(REJECTED)("rejects %j, as systemd-analyze does", (expression) => {
    expect(systemdAccepts(expression)).toBe(false);
    expect(calendarProblem(expression)).toMatch(/must be a systemd calendar expression/);
  });

  it("names the setting and the fix in the config error", () => {
    const found = problems(
      raw("dev", { host: { sshAllowedCidrs: ["203.0.113.10/32"] }, registry: { gc: { onCalendar: "Sun 25:00" } } }),
    );
    expect(found).toHaveLength(1);
    expect(found[0]!.key).toBe("registry.gc.onCalendar");
    expect(found[0]!.message).toMatch(/the hour 25 is outside 0\.\.23/);
    expect(found[0]!.fix).toContain("registry.gc.onCalendar");
  });
});

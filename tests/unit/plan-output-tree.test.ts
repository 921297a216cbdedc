import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeTree } from "../../scripts/plan/outputTree";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "plan-tree-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Every file under `root` with its content, and every directory (ending in /). */
function tree(root: string, at = root): string[] {
  return readdirSync(at, { withFileTypes: true }).flatMap((e) => {
    const p = join(at, e.name);
    const rel = relative(root, p);
    return e.isDirectory() ? [`${rel}/`, ...tree(root, p)] : [`${rel}=${readFileSync(p, "utf8")}`];
  });
}

describe("the plan's output directory holds exactly the new plan", () => {
  const files = new Map([
    ["plan.json", "{}"],
    ["host/etc/nginx/nginx.conf", "new"],
    ["host/etc/registry/config.yml", "cfg"],
  ]);
  const EXPECTED = [
    "host/",
    "host/etc/",
    "host/etc/nginx/",
    "host/etc/nginx/nginx.conf=new",
    "host/etc/registry/",
    "host/etc/registry/config.yml=cfg",
    "plan.json={}",
  ].sort();

  it("into an empty or missing directory", () => {
    writeTree(join(dir, "out"), files);
    expect(tree(join(dir, "out")).sort()).toEqual(EXPECTED);
  });

  it("over a previous plan: stale files and emptied directories go, the rest is rewritten", () => {
    mkdirSync(join(dir, "host/etc/nginx/sites-enabled"), { recursive: true });
    writeFileSync(join(dir, "host/etc/nginx/nginx.conf"), "old");
    writeFileSync(join(dir, "host/etc/nginx/sites-enabled/www"), "stale");
    writeFileSync(join(dir, "traffic.mmd"), "stale");
    writeTree(dir, files);
    expect(tree(dir).sort()).toEqual(EXPECTED);
  });

  it("over a file where a directory now belongs", () => {
    writeFileSync(join(dir, "host"), "a file");
    writeTree(dir, files);
    expect(readFileSync(join(dir, "host/etc/nginx/nginx.conf"), "utf8")).toBe("new");
  });

  it("leaves a file that already holds its content untouched, and rewrites one that differs in a byte", () => {
    writeTree(dir, files);
    const past = new Date("2020-01-01T00:00:00Z");
    for (const f of ["plan.json", "host/etc/nginx/nginx.conf"]) utimesSync(join(dir, f), past, past);
    writeTree(dir, new Map([...files, ["host/etc/nginx/nginx.conf", "nev"]]));
    expect(statSync(join(dir, "plan.json")).mtime).toEqual(past);
    expect(statSync(join(dir, "host/etc/nginx/nginx.conf")).mtime).not.toEqual(past);
    expect(readFileSync(join(dir, "host/etc/nginx/nginx.conf"), "utf8")).toBe("nev");
  });
});

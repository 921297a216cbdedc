import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RACY_WINDOW_MS, stampDigest } from "../../components/fileStamps";

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "file-stamps-"));
  file = join(dir, "lib.ts");
  writeFileSync(file, "export const word = 'first';\n");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A moment well after every change the test made: stamps are then trusted. */
const later = () => Date.now() + 10 * RACY_WINDOW_MS;

describe("file stamps (components/fileStamps.ts)", () => {
  it("vouches for nothing changed within the racy window", () => {
    expect(stampDigest([file, dir])).toBeUndefined();
    expect(stampDigest([file, dir], later())).toMatch(/^[0-9a-f]{64}$/);
  });

  it("stays the same while nothing changes, and names absent paths", () => {
    const paths = [file, dir, join(dir, "package.json")];
    expect(stampDigest(paths, later())).toBe(stampDigest(paths, later()));
  });

  it("sees a same-size rewrite whose modification time is put back (the change time cannot be)", () => {
    const before = stampDigest([file], later());
    const { atime, mtime } = statSync(file); // put back to the millisecond
    writeFileSync(file, "export const word = 'other';\n");
    utimesSync(file, atime, mtime);
    expect(stampDigest([file], later())).not.toBe(before);
  });

  it("sees a name added to a folder", () => {
    const before = stampDigest([dir], later());
    writeFileSync(join(dir, "lib.tsx"), "");
    expect(stampDigest([dir], later())).not.toBe(before);
  });
});

import { describe, expect, it } from "vitest";
import {
  formatDuration,
  globToRegExp,
  parseCliArgs,
  parseDuration,
  repositorySelected,
  UsageError,
  USAGE,
} from "../../scripts/registry-gc/index.js";
import { main } from "../../scripts/registry-gc/cli.js";

const BASE = ["--registry", "https://203.0.113.7:5000", "--user", "ci", "--password-stdin", "--keep", "5"];

function usageError(argv: string[], env: Record<string, string> = {}): string {
  try {
    parseCliArgs(argv, env);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`expected a UsageError for ${argv.join(" ")}`);
}

describe("parseCliArgs", () => {
  it("parses a full command line into one typed object (dry run by default)", () => {
    const o = parseCliArgs(
      [
        ...BASE,
        "--ca-cert",
        "/etc/ca.pem",
        "--repo",
        "app/*",
        "--repo",
        "tools",
        "--keep-tags-like",
        "^v\\d+$",
        "--keep-tags-like",
        "stable",
        "--keep-younger-than",
        "2w",
        "--json",
        "--concurrency",
        "16",
      ],
      {},
    );
    expect(o).toMatchObject({
      registry: "https://203.0.113.7:5000",
      user: "ci",
      passwordFrom: "stdin",
      caCertPath: "/etc/ca.pem",
      repos: ["app/*", "tools"],
      keep: 5,
      keepYoungerThanMs: 14 * 86_400_000,
      delete: false,
      json: true,
      concurrency: 16,
      pageSize: 1000,
    });
    expect(o.keepTagsLike.map((r) => r.source)).toEqual(["^v\\d+$", "stable"]);
  });

  it("takes the password from REGISTRY_PASSWORD and the user from REGISTRY_USER", () => {
    const o = parseCliArgs(["--registry", "https://r.example:443", "--keep", "0", "--delete"], {
      REGISTRY_USER: "bot",
      REGISTRY_PASSWORD: "x",
    });
    expect(o).toMatchObject({ user: "bot", passwordFrom: "env", keep: 0, delete: true, registry: "https://r.example" });
  });

  it.each([
    [["--keep", "1"], /--registry is required/],
    [["--registry", "203.0.113.7:5000", "--keep", "1"], /https:\/\//],
    [["--registry", "ftp://x", "--keep", "1"], /must start with https/],
    [["--registry", "https://x/v2/", "--keep", "1"], /just scheme:\/\/host/],
    [["--registry", "https://x", "--user", "ci", "--keep", "1"], /no password for user "ci"/],
    [["--registry", "https://x", "--password", "hunter2", "--keep", "1"], /--password is refused/],
    [["--registry", "https://x", "--password=hunter2", "--keep", "1"], /--password is refused/],
    [["--registry", "https://x"], /no retention rule/],
    [["--registry", "https://x", "--keep=-1"], /--keep must be a whole number/],
    [["--registry", "https://x", "--keep", "two"], /--keep must be a whole number/],
    [["--registry", "https://x", "--keep-tags-like", "(unclosed"], /not a valid regular expression/],
    [["--registry", "https://x", "--keep-younger-than", "30 days"], /invalid duration/],
    [["--registry", "https://x", "--keep", "1", "--concurrency", "0"], /--concurrency must be/],
    [["--registry", "https://x", "--keep", "1", "--num", "5"], /^unknown option --num/],
    [["--registry", "https://x", "--keep", "1", "extra"], /unexpected argument "extra"/],
    // Node's parser would say "argument is ambiguous" / print an unbalanced quote for these.
    [["--registry", "https://x", "--keep", "-1"], /^--keep must be a whole number, not negative, got "-1"$/],
    [["--registry", "https://x", "--kep", "5"], /^unknown option --kep \(did you mean --keep\?\)$/],
    [["--registry", "https://x", "--keep", "1", "--dry-run"], /^unknown option --dry-run/],
    [["--registry", "https://x", "--keep", "1", "--delet"], /^unknown option --delet \(did you mean --delete\?\)$/],
    [["--registry", "https://x", "--keep", "1", "--delete=yes"], /^--delete takes no value/],
    [["--registry", "https://x", "--keep"], /^--keep needs a value$/],
    [["--registry", "https://x", "--keep", "--delete"], /^--keep needs a value, got the option --delete$/],
    [["--registry", "https://x", "--keep", "1", "-d"], /^unknown option -d/],
    [["--registry", "https://x", "--keep", "1", "--max-pages", "0"], /--max-pages must be/],
    [["--registry", "https://x", "--keep", "1", "--storage", "data"], /--storage must be an absolute path/],
    [
      ["--registry", "https://x", "--keep", "1", "--storage", "/d", "--cache", "/c"],
      /--cache has no use with --storage/,
    ],
    [
      ["--registry", "https://x", "--keep", "1", "--rank-by", "date"],
      /^--rank-by must be one of created, pushed, tag, got "date"$/,
    ],
    [
      ["--registry", "https://x", "--keep", "1", "--rank-by", "pushed"],
      /^--rank-by pushed needs --storage: push times/,
    ],
    [
      ["--registry", "https://x", "--keep-younger-than", "30d", "--rank-by", "tag"],
      /^--keep-younger-than needs image times and --rank-by tag reads none: drop one/,
    ],
    [
      ["--registry", "https://x", "--keep", "1", "--cache", "/c", "--rank-by", "tag"],
      /^--cache holds creation times, which --rank-by tag does not read: drop one$/,
    ],
    [
      ["--registry", "http://203.0.113.7:5000", "--user", "ci", "--password-stdin", "--keep", "1"],
      /refusing to send the password over plain http:\/\/ to 203\.0\.113\.7:5000/,
    ],
    [["--registry", "https://x", "--keep", "1", "--password-stdin"], /--password-stdin needs --user/],
  ])("refuses %j", (argv, message) => {
    expect(usageError(argv)).toMatch(message);
  });

  it("sends credentials over plain http:// to loopback only; a regex value may start with a dash", () => {
    for (const host of ["127.0.0.1:5000", "localhost:5000", "[::1]:5000"]) {
      const o = parseCliArgs(["--registry", `http://${host}`, "--user", "ci", "--password-stdin", "--keep", "1"], {});
      expect(o.registry).toBe(`http://${host}`);
    }
    const o = parseCliArgs(["--registry", "https://x", "--keep-tags-like", "-rc$", "--repo", "a/*"], {});
    expect(o.keepTagsLike.map((r) => r.source)).toEqual(["-rc$"]);
    expect(o.repos).toEqual(["a/*"]);
  });

  it("the help shows every option with its default", () => {
    expect(USAGE).toMatch(/--registry <url> .*\(required/);
    for (const name of ["user", "ca-cert", "repo", "keep", "keep-tags-like", "keep-younger-than", "cache"]) {
      expect(USAGE).toMatch(new RegExp(`--${name} <[^\\n]+\\(default: `));
    }
    expect(USAGE).toMatch(/--concurrency <n> .*\(default: 16\)/);
    expect(USAGE).toMatch(/--page-size <n> .*\(default: 1000\)/);
    expect(USAGE).toMatch(/--max-pages <n> .*\(default: 1000\)/);
    expect(USAGE).toMatch(/--delete .*\(default: off/);
    expect(USAGE).toMatch(/--storage <dir>[\s\S]*?\(default: /);
  });

  it("ranks by creation time over the API, by push time with --storage, by tag name when asked", () => {
    const k = ["--registry", "https://x", "--keep", "1"];
    expect(parseCliArgs(k, {}).rankBy).toBe("created");
    expect(parseCliArgs([...k, "--storage", "/d"], {}).rankBy).toBe("pushed");
    expect(parseCliArgs([...k, "--rank-by", "tag"], {}).rankBy).toBe("tag");
    expect(parseCliArgs([...k, "--storage", "/d", "--rank-by=tag"], {}).rankBy).toBe("tag");
    expect(parseCliArgs([...k, "--storage", "/d", "--rank-by", "pushed"], {}).rankBy).toBe("pushed");
    expect(parseCliArgs([...k, "--storage", "/d", "--rank-by", "created"], {}).rankBy).toBe("created");
    expect(USAGE).toMatch(/--rank-by <created\|pushed\|tag>[\s\S]*?\(default: created, or pushed with --storage\)/);
  });

  it("--help needs nothing else", () => {
    expect(parseCliArgs(["--help"], {}).help).toBe(true);
  });
});

describe("main (exit codes and one-line messages)", () => {
  it("exits 2 on bad usage with one line, no stack", async () => {
    const writes: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (writes.push(s), true)) as typeof process.stderr.write;
    try {
      expect(await main(["--registry", "https://x"], {})).toBe(2);
      expect(await main([...BASE.slice(0, 2), "--keep", "1", "--ca-cert", "/nonexistent/ca.pem"], {})).toBe(2);
    } finally {
      process.stderr.write = orig;
    }
    expect(writes).toHaveLength(2);
    for (const w of writes) expect(w).toMatch(/^registry-gc: [^\n]+ \(see --help\)\n$/);
    expect(writes.join("")).toMatch(/^registry-gc: no retention rule/);
    expect(writes.join("")).toMatch(/cannot read --ca-cert \/nonexistent\/ca\.pem: ENOENT/);
    expect(writes.join("")).not.toMatch(/\n\s+at /);
  });
});

describe("durations", () => {
  it.each([
    ["30d", 30 * 86_400_000],
    ["12h", 12 * 3_600_000],
    ["1d12h", 36 * 3_600_000],
    ["90m", 90 * 60_000],
    ["2w", 14 * 86_400_000],
    ["45s", 45_000],
  ])("parses %s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
  it.each(["", "30", "d", "1y", "-1d", "1.5d"])("refuses %j", (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });
  it("formats compactly", () => {
    expect(formatDuration(36 * 3_600_000)).toBe("1d12h");
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(90_000)).toBe("1m30s");
  });
});

describe("repository globs", () => {
  it("* stays within a path segment, ** crosses segments", () => {
    expect(globToRegExp("team/*").test("team/api")).toBe(true);
    expect(globToRegExp("team/*").test("team/a/b")).toBe(false);
    expect(globToRegExp("team/**").test("team/a/b")).toBe(true);
    expect(globToRegExp("app.v?").test("app.v1")).toBe(true);
    expect(globToRegExp("app.v?").test("appxv1")).toBe(false);
  });
  it("no glob selects everything", () => {
    expect(repositorySelected("anything/at/all", [])).toBe(true);
    expect(repositorySelected("other/tools", ["app/*"])).toBe(false);
  });
});

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { headingAnchors, relativeLinks } from "./support/markdown";

const PROJECT_DIR = resolve(__dirname, "../..");
const README = join(PROJECT_DIR, "README.md");
const DOCS = join(PROJECT_DIR, "docs");

/** The README is the front door: what the platform is, the picture, set-up, the deploy path, where to go next. */
const README_MAX_BYTES = 15 * 1024;

const files = [
  README,
  ...readdirSync(DOCS)
    .filter((n) => n.endsWith(".md"))
    .map((n) => join(DOCS, n)),
];

/** Every relative link in `file` that does not resolve: a missing file, or a missing heading in a Markdown file. */
function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const { line, target } of relativeLinks(readFileSync(file, "utf8"))) {
    const [path, anchor] = target.split("#", 2);
    const where = `${relative(PROJECT_DIR, file)}:${line}: ${target}`;
    const dest = path === "" ? file : resolve(dirname(file), decodeURIComponent(path));
    if (!existsSync(dest)) {
      broken.push(`${where} (no such file)`);
      continue;
    }
    if (anchor === undefined || anchor === "") continue;
    if (!dest.endsWith(".md") || statSync(dest).isDirectory()) {
      broken.push(`${where} (an anchor into a file that is not Markdown)`);
    } else if (!headingAnchors(readFileSync(dest, "utf8")).has(anchor)) {
      broken.push(`${where} (no heading with that anchor in ${relative(PROJECT_DIR, dest)})`);
    }
  }
  return broken;
}

describe("the README is a front page", () => {
  it(`stays within ${README_MAX_BYTES} bytes; the rest lives in docs/`, () => {
    expect(statSync(README).size).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it("links every topic file in docs/", () => {
    const readme = readFileSync(README, "utf8");
    for (const name of readdirSync(DOCS).filter((n) => n.endsWith(".md"))) {
      expect(readme, `README does not link docs/${name}`).toContain(`](docs/${name}`);
    }
  });
});

describe("every relative link resolves", () => {
  it.each(files.map((f) => [relative(PROJECT_DIR, f), f]))("%s", (_name, file) => {
    expect(brokenLinks(file)).toEqual([]);
  });
});

describe("the link checker", () => {
  it("anchors headings the way GitHub does", () => {
    const anchors = headingAnchors(
      "# A `code` Title\n## (A) A new host\n## Same\n## Same\n```\n# not a heading\n```\n",
    );
    expect([...anchors]).toEqual(["a-code-title", "a-a-new-host", "same", "same-1"]);
  });

  it("finds relative links and images, not external ones or code", () => {
    const links = relativeLinks("[a](x.md#y) ![b](d/e.svg) [c](https://e.org) `[d](no.md)`\n```\n[e](no.md)\n```\n");
    expect(links).toEqual([
      { line: 1, target: "x.md#y" },
      { line: 1, target: "d/e.svg" },
    ]);
  });
});

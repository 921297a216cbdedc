// runMainWith: a step's data reaches main on stdin as a quoted here-document; a data line equal to the delimiter
// would end it early, so it is refused. Checked against bash itself.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { runMainWith } from "../../components/registryHost/render/scripts/assemble.js";

const DELIM = "__END_OF_DATA__";

/** What main reads on stdin when bash runs the rendered ending after `main() { cat; }`. */
function stdinOfMain(data: string): string {
  const run = spawnSync("bash", ["-s"], {
    input: `main() { cat; }\n${runMainWith(data, DELIM)}`,
    encoding: "utf8",
    maxBuffer: 16 << 20,
  });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

describe("runMainWith", () => {
  it("hands the data to main unchanged, expansions and quotes included, a final newline added when missing", () => {
    const data = "F /etc/x 0644 $HOME `id` $(id) 'q' \"d\"\n\\n x__END_OF_DATA__ __END_OF_DATA__y";
    expect(stdinOfMain(data)).toBe(`${data}\n`);
    expect(stdinOfMain(`${data}\n`)).toBe(`${data}\n`);
  });

  it.each([
    ["the first line", `${DELIM}\nrest\n`],
    ["a middle line", `a\n${DELIM}\nb\n`],
    ["the last line, with no final newline", `a\n${DELIM}`],
    ["the only line", DELIM],
  ])("refuses data whose %s is the delimiter", (_where, data) => {
    expect(() => runMainWith(data, DELIM)).toThrow(`here-document data contains its delimiter ${DELIM}`);
  });

  it("keeps a bundle of many lines in one piece", () => {
    const data = `${"A".repeat(76)}\n`.repeat(2_000);
    expect(stdinOfMain(data)).toBe(data);
  });
});

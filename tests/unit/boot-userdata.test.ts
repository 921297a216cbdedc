// The instance's user data (boot/userData.ts) and the comment stripping that keeps it stable (boot/stripComments.ts).
// Any change of user data stops and starts the instance, so only a change of behaviour may change it: comment-only,
// blank-line and indentation edits of the boot scripts must render byte for byte the same user data. The shipped
// (stripped) scripts are checked with the real shellcheck and shown to parse to the same program as their sources
// (bash's own `declare -f` prints a function's parsed body without comments or layout).
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  bootScriptSources,
  imdsFirewallScript,
  imdsFirewallSource,
  renderBootUserData,
  USER_DATA_LIMIT_BYTES,
} from "../../components/registryHost/boot/userData";
import { stripShellComments } from "../../components/registryHost/boot/stripComments";
import { installHostKeyScript, installHostKeySource } from "../../components/registryHost/hostKey/userData";
import { renderProvisionPlan } from "../../components/registryHost/render/index";
import { sampleInput } from "../integration/support/host-input";

const HOST_KEY = { parameterName: "/startup-infra/prod/registry-host/ssh-host-ed25519-key", region: "ap-northeast-2" };
const SCRIPTS = [
  { name: "install-host-key", source: installHostKeySource, shipped: installHostKeyScript },
  { name: "imds-firewall", source: imdsFirewallSource, shipped: imdsFirewallScript },
];

/** bash's canonical form of a script (its text as the body of a function, printed back by `declare -f`), or
 * undefined when bash cannot parse it. */
function parsedOrUndefined(script: string): string | undefined {
  const r = spawnSync("bash", ["-c", 'eval "f() {\n$1\n}" && declare -f f', "parse", script], { encoding: "utf8" });
  return r.status === 0 && r.stderr === "" ? r.stdout : undefined;
}

/** bash's canonical form of a script that must parse. */
function parsed(script: string): string {
  const form = parsedOrUndefined(script);
  expect(form, "bash cannot parse the script").toBeDefined();
  return form!;
}

describe("boot user data (pure)", () => {
  it("runs the metadata firewall first, with the admitted users, then the host-key step", () => {
    const config = parse(renderBootUserData({ imdsUsers: ["cwagent"], hostKey: HOST_KEY })) as { bootcmd: string[][] };
    expect(config.bootcmd).toEqual([
      ["bash", "-c", imdsFirewallScript(), "imds-firewall", "cwagent"],
      ["bash", "-c", installHostKeyScript(), "install-host-key", HOST_KEY.parameterName, HOST_KEY.region],
    ]);
  });

  it("without a generated host key: only the firewall, and cloud-init's own host keys", () => {
    const config = parse(renderBootUserData({ imdsUsers: ["cwagent"] })) as Record<string, unknown>;
    expect(config).toEqual({ bootcmd: [["bash", "-c", imdsFirewallScript(), "imds-firewall", "cwagent"]] });
  });

  it("refuses a user name that is not one (it reaches a shell command line)", () => {
    expect(() => renderBootUserData({ imdsUsers: ["cwagent; reboot"] })).toThrow(/imdsUsers: .* is not a user name/);
  });

  it("stays under EC2's 16 KB user-data limit", () => {
    const bytes = Buffer.byteLength(renderBootUserData({ imdsUsers: ["cwagent"], hostKey: HOST_KEY }));
    expect(bytes).toBeLessThan(USER_DATA_LIMIT_BYTES);
  });

  it("ships the scripts without comments or blank lines, #! and shellcheck directives kept", () => {
    for (const script of SCRIPTS) {
      const lines = script.shipped().split("\n");
      expect(lines.filter((l) => l.trim() === "").length, script.name).toBe(1); // the final newline
      const comments = lines.filter((l) => /^\s*#/.test(l) && !/^#!|^# shellcheck /.test(l));
      expect(comments, script.name).toEqual([]);
      expect(script.shipped().length).toBeLessThan(script.source().length * 0.8);
    }
  });
});

describe("only a change of behaviour changes user data", () => {
  /** User data rendered from edited sources; the edit must change at least one of them. */
  const render = (edit?: (s: string) => string) => {
    const sources = bootScriptSources();
    const change = edit ?? ((s: string) => s);
    const edited = { imdsFirewall: change(sources.imdsFirewall), installHostKey: change(sources.installHostKey) };
    if (edit && JSON.stringify(edited) === JSON.stringify(sources)) throw new Error("the edit changed nothing");
    return renderBootUserData({ imdsUsers: ["cwagent"], hostKey: HOST_KEY }, edited);
  };
  const original = render();

  it("a reworded comment, a new comment line, blank lines and re-indentation: identical user data", () => {
    const reworded = render((s) => s.replace(/^# (install-host-key|imds-firewall): /m, "# $1 (reworded): "));
    const added = render((s) => s.replace(/^main$/m, "# the entry point\n\n\nmain"));
    const reindented = render((s) => s.replace(/^ {2}local /gm, "    local "));
    const trailing = render((s) => s.replace(/^(readonly KEY_PATH=\S+)$/m, "$1 # where sshd reads it"));
    for (const edited of [reworded, added, reindented, trailing]) expect(edited).toBe(original);
  });

  it("a comment line inserted before any line bash reads as a comment: identical shipped script (property)", () => {
    // The oracle is bash itself: an insertion counts when the script still parses to the same program (a line
    // inside a multi-line string is data, and changes the program).
    for (const script of SCRIPTS) {
      const source = script.source();
      const lines = source.split("\n");
      const canonical = parsed(source);
      let comments = 0;
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: lines.length - 1 }),
          fc.stringMatching(/^[ -~]{0,60}$/),
          fc.nat({ max: 8 }),
          (slot, text, indent) => {
            const edited = [...lines.slice(0, slot), `${" ".repeat(indent)}# ${text}`, ...lines.slice(slot)].join("\n");
            // A line inside a multi-line string is data: the insertion changes the program, or (a quote in the
            // comment closing that string) leaves it unparsable. Neither is a comment, so neither counts.
            if (parsedOrUndefined(edited) !== canonical) return;
            comments++;
            expect(stripShellComments(edited)).toBe(script.shipped());
          },
        ),
        { numRuns: 150 },
      );
      expect(comments, script.name).toBeGreaterThan(100);
    }
  });

  it("a change of behaviour changes user data", () => {
    expect(render((s) => s.replace("default_wait=600", "default_wait=900"))).not.toBe(original);
    expect(render((s) => s.replace("--reject-with tcp-reset", "--reject-with icmp-port-unreachable"))).not.toBe(
      original,
    );
  });
});

describe("the CloudWatch agent step and the metadata firewall", () => {
  it("re-applies the firewall (the package has just created cwagent) before the agent starts", () => {
    const step = renderProvisionPlan(sampleInput("prod")).steps.find((s) => s.name === "install-cloudwatch-agent")!;
    const script = step.stdin ?? step.command;
    const restart = script.indexOf('"$SYSTEMCTL" restart startup-infra-imds-firewall.service');
    const reload = script.indexOf('"$SYSTEMCTL" daemon-reload'); // the unit was written after systemd started
    const start = script.indexOf('"$AGENT_CTL" -a fetch-config -m ec2 -s');
    expect(reload).toBeGreaterThan(0);
    expect(restart).toBeGreaterThan(reload);
    expect(start).toBeGreaterThan(restart);
    // The unit re-runs the script with the users the user data named (its ExecStart keeps the bootcmd's arguments).
    expect(imdsFirewallSource()).toContain('"ExecStart=/bin/bash $SELF${ALLOWED_USERS[*]:+ ${ALLOWED_USERS[*]}}"');
  });
});

describe("the shipped (stripped) boot scripts", () => {
  it.each(SCRIPTS)("$name: parses to the same program as its source (bash declare -f)", (script) => {
    expect(parsed(script.shipped())).toBe(parsed(script.source()));
  });

  it.each(SCRIPTS)("$name: passes shellcheck as shipped and as written", (script) => {
    for (const text of [script.shipped(), script.source()]) {
      const r = spawnSync("shellcheck", ["-s", "bash", "-"], { input: text, encoding: "utf8" });
      expect(r.error).toBeUndefined();
      expect(r.stdout).toBe("");
      expect(r.status).toBe(0);
    }
  });
});

describe("stripShellComments (pure)", () => {
  it("leaves a # that is not a comment alone: in quotes, $#, ${x#y}, a#b, $'...', multi-line strings", () => {
    const script = [
      "#!/bin/bash",
      "# a comment",
      `echo "# not a comment" '# nor this' $'# nor \\' this' a#b $# \${x#y} # but this is`,
      "python3 -c 'import sys",
      "# a Python comment inside the string: data",
      "  indented data  ",
      "print(1)'",
      'x="$(printf "%s" "# in a substitution")" # gone',
      "   # indented comment",
      "",
      "  y=1",
    ].join("\n");
    expect(stripShellComments(script)).toBe(
      [
        "#!/bin/bash",
        `echo "# not a comment" '# nor this' $'# nor \\' this' a#b $# \${x#y}`,
        "python3 -c 'import sys",
        "# a Python comment inside the string: data",
        "  indented data  ",
        "print(1)'",
        'x="$(printf "%s" "# in a substitution")"',
        "y=1",
        "",
      ].join("\n"),
    );
  });

  it("keeps shellcheck directives (without their explanation)", () => {
    expect(stripShellComments("  # shellcheck disable=SC2064 # expand now\ntrap x EXIT\n")).toBe(
      "# shellcheck disable=SC2064\ntrap x EXIT\n",
    );
  });

  it("refuses what it cannot strip safely: here-documents, a comment after a line continuation", () => {
    expect(() => stripShellComments("cat <<EOF\n# data\nEOF\n")).toThrow(/here-documents/);
    expect(() => stripShellComments("echo a \\\n# comment\nb\n")).toThrow(/line continuation/);
    expect(stripShellComments("cat <<<'# here-string'\n")).toBe("cat <<<'# here-string'\n");
  });
});

// Every service on the host can read what it must, as the account it really runs as. The offline plan writes the
// host tree (plan/<stack>/host/...); the renderers declare who reads each file (HostFile.readers) and which
// directories their tools create with which modes (HostFile.creates); the provisioning steps' own directories and the
// base system's come from render/hostAccess.ts. The check walks every path from / down with plain mode bits.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostDirectory, HostFile } from "../../components/hostFile";
import { ACME_PATHS, HOST_PATHS } from "../../components/registryHost/render/index";
import {
  hostAccessProblems,
  modeAllows,
  PROVISIONED_DIRECTORIES,
} from "../../components/registryHost/render/hostAccess";
import { runPlan, type PlanReport } from "../../scripts/plan/plan";
import { PROJECT_DIR } from "./support/runStack";

const work = mkdtempSync(join(tmpdir(), "host-access-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

interface Planned {
  report: PlanReport;
  host: string;
  /** Every path under host/, as a host path. */
  paths: string[];
}

const plans: Record<string, Planned> = {};
beforeAll(async () => {
  for (const stack of ["dev", "prod"]) {
    const outDir = join(work, stack);
    const report = await runPlan({ projectDir: PROJECT_DIR, stack, outDir });
    const host = join(outDir, "host");
    plans[stack] = { report, host, paths: walk(host).map((p) => `/${relative(host, p)}`) };
  }
}, 120_000);

/** The account nginx.conf's `user` directive names, read from the rendered tree. */
function nginxWorkerUser(p: Planned): string {
  const conf = readFileSync(join(p.host, "etc/nginx/nginx.conf"), "utf8");
  const user = /^user (\S+?);$/m.exec(conf)?.[1];
  if (!user) throw new Error("the rendered nginx.conf names no user");
  return user;
}

const created = (files: readonly HostFile[]): HostDirectory[] => files.flatMap((f) => f.creates ?? []);

describe.each(["dev", "prod"])("%s host tree", (stack) => {
  it("every file under plan/<stack>/host is a declared host file, and every declared file is there", () => {
    const p = plans[stack]!;
    expect(p.paths.sort()).toEqual(p.report.hostFiles.map((f) => f.path).sort());
  });

  it("every reader of every file and of every directory a shipped tool creates can reach and read it", () => {
    expect(hostAccessProblems(plans[stack]!.report.hostFiles)).toEqual([]);
  });
});

describe("prod: Nginx's workers and the ACME webroot (http-01, the prod default)", () => {
  it("the workers' account (nginx.conf's user, not root) is declared a reader of the token files lego writes", () => {
    const p = plans.prod!;
    const user = nginxWorkerUser(p);
    expect(user).not.toBe("root");
    const tokens = created(p.report.hostFiles).find((d) => d.fileMode && d.readers?.some((r) => r.user === user));
    expect(tokens?.path).toBe(`${ACME_PATHS.webroot}/.well-known/acme-challenge`);
    // Outside registry-acme's private state directory.
    expect(`${tokens!.path}/`.startsWith(`${ACME_PATHS.stateDir}/`)).toBe(false);
  });

  it("the check refuses the webroot inside the 0700 state directory (the layout that never issued)", () => {
    const files = plans.prod!.report.hostFiles.map((f) =>
      f.path === ACME_PATHS.command
        ? {
            ...f,
            creates: f.creates!.map((d) => ({
              ...d,
              path: d.path.replace(ACME_PATHS.webroot, `${ACME_PATHS.stateDir}/webroot`),
            })),
          }
        : f,
    );
    const problems = hostAccessProblems(files);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({
      service: "nginx workers",
      user: "www-data",
      reason: `${ACME_PATHS.stateDir} (0700 root:root) gives www-data no search (x) permission`,
    });
  });

  it("the check refuses token files lego writes under umask 077 (0600 root:root)", () => {
    const files = plans.prod!.report.hostFiles.map((f) =>
      f.path === ACME_PATHS.command
        ? { ...f, creates: f.creates!.map((d) => (d.fileMode ? { ...d, mode: "0755", fileMode: "0600" } : d)) }
        : f,
    );
    expect(hostAccessProblems(files)).toEqual([
      {
        path: `${ACME_PATHS.webroot}/.well-known/acme-challenge/<written by the tool>`,
        service: "nginx workers",
        user: "www-data",
        reason: `${ACME_PATHS.webroot}/.well-known/acme-challenge/<written by the tool> (0600 root:root) gives www-data no read permission`,
      },
    ]);
  });

  it("the check refuses a tool's directory under a parent nobody declares (mkdir -p under umask 077: 0700)", () => {
    const reader = { service: "nginx workers", user: "www-data", group: "www-data" };
    const tool: HostFile = {
      path: "/usr/local/sbin/tool",
      content: "",
      mode: "0755",
      secret: false,
      creates: [{ path: "/srv/new/site", mode: "0755", owner: "root", group: "root", readers: [reader] }],
    };
    expect(hostAccessProblems([tool])).toEqual([
      {
        path: "/srv/new/site",
        service: "nginx workers",
        user: "www-data",
        reason: "/srv/new (0700 root:root) gives www-data no search (x) permission",
      },
    ]);
  });
});

describe("prod and dev: the CloudWatch agent's account", () => {
  it.each(["dev", "prod"])("%s: the agent's run_as_user is a declared reader of its configuration", (stack) => {
    const p = plans[stack]!;
    const file = p.report.hostFiles.find((f) => f.path === HOST_PATHS.cloudwatchAgentConfig)!;
    const runAs = JSON.parse(readFileSync(join(p.host, file.path), "utf8")).agent.run_as_user as string;
    expect(runAs).not.toBe("root");
    expect(file.readers?.map((r) => r.user)).toContain(runAs);
  });

  it("the check refuses the agent's tree when install-files made /opt/aws 0700 (dpkg keeps an existing mode)", () => {
    const private0700: HostDirectory = { path: "/opt/aws", mode: "0700", owner: "root", group: "root" };
    expect(hostAccessProblems(plans.prod!.report.hostFiles, [...PROVISIONED_DIRECTORIES, private0700])).toEqual([
      {
        path: HOST_PATHS.cloudwatchAgentConfig,
        service: "CloudWatch agent",
        user: "cwagent",
        reason: "/opt/aws (0700 root:root) gives cwagent no search (x) permission",
      },
    ]);
  });
});

describe("modeAllows (owner, then group, then others; no capability bypass)", () => {
  const www = { service: "w", user: "www-data", group: "www-data" };
  const root = { service: "r", user: "root", group: "root" };
  it.each([
    [{ mode: "2750", owner: "root", group: "www-data" }, www, 1, true],
    [{ mode: "2750", owner: "root", group: "www-data" }, www, 4, true],
    [{ mode: "0640", owner: "root", group: "www-data" }, www, 4, true],
    [{ mode: "0600", owner: "root", group: "root" }, www, 4, false],
    [{ mode: "0700", owner: "root", group: "root" }, www, 1, false],
    [{ mode: "0711", owner: "root", group: "root" }, www, 1, true],
    [{ mode: "0600", owner: "root", group: "root" }, root, 4, true],
    // Owner bits decide for the owner, even when others have more.
    [{ mode: "0044", owner: "root", group: "root" }, root, 4, false],
  ] as const)("%o for %o bit %i: %s", (entry, who, bit, expected) => {
    expect(modeAllows(entry, who, bit)).toBe(expected);
  });
});

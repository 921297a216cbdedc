import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  distributionMajorVersion,
  REGISTRY_GC_NODE_IMAGE,
  registryGcUnits,
  renderRegistryGc,
  type RegistryGcHostInput,
} from "../../components/registryHost/gc/index.js";

const V3: RegistryGcHostInput = { image: "registry:3.0.0", healthUrl: "https://127.0.0.1:5000/v2/" };
const V2: RegistryGcHostInput = { image: "registry:2.8.3", healthUrl: "http://127.0.0.1:5000/v2/" };
const RETENTION = {
  keep: 10,
  keepYoungerThan: "30d",
  dryRun: true,
  registryUrl: "http://127.0.0.1:5000",
  credentialPath: "/etc/registry/gc-credential",
} as const;
const SCRIPT = "/usr/local/sbin/registry-gc.sh";
const SERVICE = "/etc/systemd/system/registry-gc.service";
const TIMER = "/etc/systemd/system/registry-gc.timer";

/** Lines that are not comments (so a comment explaining why a flag is absent does not count). */
const code = (script: string) => script.split("\n").filter((l) => !/^\s*#/.test(l));

/**
 * shellcheck with every optional check on, except three style opinions: braces around every variable (SC2250),
 * return values masked in `$(...)` (SC2312) and functions in `if` conditions (SC2310, intended here).
 */
function shellcheck(script: string, strict: boolean): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), "gc-sc-"));
  try {
    const file = join(dir, "registry-gc.sh");
    writeFileSync(file, script);
    const args = strict ? ["--severity=style", "--enable=all", "--exclude=SC2250,SC2312,SC2310"] : [];
    const r = spawnSync("shellcheck", [...args, file], {
      encoding: "utf8",
    });
    if (r.error) throw r.error;
    return { status: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("renderRegistryGc", () => {
  it("renders the script (0755), the oneshot service and the weekly timer (0644)", () => {
    const files = renderRegistryGc(V3);
    expect(Object.keys(files).sort()).toEqual([SERVICE, TIMER, SCRIPT].sort());
    expect(files[SCRIPT]!.mode).toBe("0755");
    expect(files[SERVICE]!.mode).toBe("0644");
    expect(files[TIMER]!.mode).toBe("0644");
    expect(files[SERVICE]!.content).toMatch(/^Type=oneshot$/m);
    expect(files[SERVICE]!.content).toMatch(new RegExp(`^ExecStart=${SCRIPT}$`, "m"));
    expect(files[TIMER]!.content).toMatch(/^OnCalendar=weekly$/m);
    expect(files[TIMER]!.content).toMatch(/^Persistent=true$/m);
    expect(files[TIMER]!.content).toMatch(/^Unit=registry-gc\.service$/m);
    expect(files[TIMER]!.content).toMatch(/^WantedBy=timers\.target$/m);
    expect(registryGcUnits(V3).enable).toBe("systemctl daemon-reload && systemctl enable --now registry-gc.timer");
  });

  it("the script is shellcheck-clean (all optional checks) and parses with bash -n, for v3 and v2", () => {
    for (const input of [
      V3,
      V2,
      {
        ...V3,
        healthCaCertPath: "/etc/registry/ca.crt",
        extraReadOnlyMounts: [{ host: "/etc/registry", container: "/etc/registry" }],
      },
      { ...V3, retention: RETENTION },
      { ...V3, retention: { ...RETENTION, caCertPath: "/etc/registry/ca.crt", keepTagsLike: ["^stable$"] } },
    ]) {
      const script = renderRegistryGc(input)[SCRIPT]!.content;
      for (const strict of [false, true]) {
        const sc = shellcheck(script, strict);
        expect(sc.out).toBe("");
        expect(sc.status).toBe(0);
      }
      expect(spawnSync("bash", ["-n"], { input: script }).status).toBe(0);
      expect(script).toMatch(/^#!\/usr\/bin\/env bash\n/);
      expect(script).toMatch(/^set -euo pipefail$/m);
    }
  });

  it("v3: --delete-untagged, the v3 config path, same image, config and data mounts, restart trap", () => {
    const s = renderRegistryGc(V3)[SCRIPT]!.content;
    expect(s).toMatch(/^GC_FLAGS=\(--delete-untagged\)$/m);
    expect(s).toMatch(/^readonly IMAGE='registry:3\.0\.0'$/m);
    expect(s).toMatch(/^readonly CONTAINER_CONFIG='\/etc\/distribution\/config\.yml'$/m);
    expect(s).toMatch(/^readonly CONFIG='\/etc\/registry\/config\.yml'$/m);
    expect(s).toMatch(/^readonly DATA_DIR='\/srv\/registry\/data'$/m);
    expect(s).toContain(`-v "$CONFIG:$CONTAINER_CONFIG:ro"`);
    expect(s).toContain(`-v "$DATA_DIR:$CONTAINER_DATA_DIR"`);
    expect(s).toContain(`"$IMAGE" garbage-collect "\${GC_FLAGS[@]}" "$CONTAINER_CONFIG"`);
    expect(s).toMatch(/^trap restore_registry EXIT$/m);
    // Stop comes before the GC run, which comes before nothing but the trap's restart.
    expect(s.indexOf('systemctl stop "$REGISTRY_UNIT"')).toBeLessThan(s.indexOf("docker run"));
    expect(s).toContain(`systemctl start "$REGISTRY_UNIT"`);
  });

  it("v2 (2.x): never --delete-untagged, v2 config path; asking for it is refused with the reason", () => {
    const s = renderRegistryGc(V2)[SCRIPT]!.content;
    expect(code(s).join("\n")).not.toContain("--delete-untagged");
    expect(s).toMatch(/^GC_FLAGS=\(\)$/m);
    expect(s).toMatch(/^readonly CONTAINER_CONFIG='\/etc\/docker\/registry\/config\.yml'$/m);
    expect(() => renderRegistryGc({ ...V2, deleteUntagged: true })).toThrow(/multi-arch \/ OCI indexes/);
    // An image whose version cannot be read from the tag: no --delete-untagged unless... never.
    const byDigest = { ...V3, image: `registry@sha256:${"a".repeat(64)}` };
    expect(code(renderRegistryGc(byDigest)[SCRIPT]!.content).join("\n")).not.toContain("--delete-untagged");
    expect(() => renderRegistryGc({ ...byDigest, deleteUntagged: true })).toThrow(/deleteUntagged is refused/);
    // v3 can opt out.
    expect(renderRegistryGc({ ...V3, deleteUntagged: false })[SCRIPT]!.content).toMatch(/^GC_FLAGS=\(\)$/m);
  });

  it("takes OnCalendar, unit names, paths and health settings from the input", () => {
    const files = renderRegistryGc({
      ...V3,
      onCalendar: "Sun *-*-* 03:30:00",
      registryUnit: "docker-registry.service",
      unitName: "blob-gc",
      scriptPath: "/opt/gc.sh",
      configPath: "/etc/reg/config.yml",
      dataDir: "/data/registry",
      healthCaCertPath: "/etc/reg/ca.crt",
      healthStatus: 200,
    });
    expect(Object.keys(files).sort()).toEqual(
      ["/etc/systemd/system/blob-gc.service", "/etc/systemd/system/blob-gc.timer", "/opt/gc.sh"].sort(),
    );
    expect(files["/etc/systemd/system/blob-gc.timer"]!.content).toMatch(/^OnCalendar=Sun \*-\*-\* 03:30:00$/m);
    const s = files["/opt/gc.sh"]!.content;
    expect(s).toMatch(/^readonly REGISTRY_UNIT='docker-registry\.service'$/m);
    expect(s).toMatch(/^readonly HEALTH_CA='\/etc\/reg\/ca\.crt'$/m);
    expect(s).toMatch(/^readonly HEALTH_STATUS='200'$/m);
    expect(s).toMatch(/^readonly DATA_DIR='\/data\/registry'$/m);
  });

  it.each([
    [{ ...V3, image: "registry" }, /not pinned/],
    [{ ...V3, image: "registry:latest" }, /not pinned/],
    [{ ...V3, onCalendar: "weekly\nExecStart=/bin/sh" }, /one systemd calendar expression/],
    [{ ...V3, configPath: "relative/config.yml" }, /absolute path/],
    [{ ...V3, dataDir: "/srv/my data" }, /absolute path without spaces/],
    [{ ...V3, registryUnit: "registry" }, /systemd service name/],
    [{ ...V3, healthUrl: "not a url" }, /not a URL/],
    [{ ...V3, healthTimeoutSec: 0 }, /healthTimeoutSec must be a whole number/],
  ])("refuses bad input %#", (input, message) => {
    expect(() => renderRegistryGc(input as RegistryGcHostInput)).toThrow(message);
  });
});

describe("distributionMajorVersion", () => {
  it.each([
    ["registry:3.0.0", 3],
    ["registry:3", 3],
    ["registry:2.8.3", 2],
    ["ghcr.io/distribution/distribution:3.0.0-rc.1", 3],
    ["localhost:5000/registry:v3.1.0", 3],
    [`registry:3.0.0@sha256:${"b".repeat(64)}`, 3],
    [`registry@sha256:${"b".repeat(64)}`, undefined],
    ["localhost:5000/registry", undefined],
    ["registry:latest", undefined],
  ])("%s -> %s", (image, major) => {
    expect(distributionMajorVersion(image)).toBe(major);
  });
});

describe("renderRegistryGc with retention", () => {
  const files = renderRegistryGc({ ...V3, retention: RETENTION });
  const script = files[SCRIPT]!.content;

  it("ships the bundled registry-gc and runs it on the pinned Node image, before the registry is stopped", () => {
    expect(files["/usr/local/lib/registry-gc/registry-gc.cjs"]).toMatchObject({ mode: "0644" });
    expect(files["/usr/local/lib/registry-gc/registry-gc.cjs"]!.content).toMatch(/^\/\/ registry-gc, bundled/);
    expect(script).toContain(`readonly NODE_IMAGE='${REGISTRY_GC_NODE_IMAGE}'`);
    expect(REGISTRY_GC_NODE_IMAGE).toMatch(/^node:\d+\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/);
    const retention = script.indexOf("\nrun_retention || retention_rc=$?");
    const stop = script.indexOf('\nsystemctl stop "$REGISTRY_UNIT"');
    expect(retention).toBeGreaterThan(0);
    expect(stop).toBeGreaterThan(retention);
  });

  it("host-side mode with the protected set; dry run unless dryRun is false; password on stdin only", () => {
    expect(script).toContain("--storage /var/lib/registry --releases /srv/registry/releases --running");
    expect(script).toMatch(/^readonly RETENTION_RULES=\('--keep' '10' '--keep-younger-than' '30d'\)$/m);
    const acting = renderRegistryGc({ ...V3, retention: { ...RETENTION, dryRun: false } })[SCRIPT]!.content;
    expect(acting).toMatch(/^readonly RETENTION_RULES=\(.*'--delete'\)$/m);
    expect(script).toContain(`printf '%s\\n' "\${credential#*:}" | docker run --rm -i`);
    expect(script).toMatch(/--mount "type=bind,src=\$RELEASES_DIR,dst=\/srv\/registry\/releases,readonly"/);
  });

  it("refuses an unpinned Node image and a bad age", () => {
    expect(() => renderRegistryGc({ ...V3, retention: { ...RETENTION, nodeImage: "node:22-slim" } })).toThrow(
      /retention.nodeImage must be pinned by tag and digest/,
    );
    expect(() => renderRegistryGc({ ...V3, retention: { ...RETENTION, keepYoungerThan: "a month" } })).toThrow(
      /retention.keepYoungerThan must be like 30d/,
    );
  });
});

import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import {
  DATA_VOLUME_DEVICE_NAME,
  dataVolumeDevicePath,
  registryAddressOf,
  sshCommandOf,
} from "../../components/registryHost/addresses";
import { htpasswdOf } from "../../components/registryHost/credentials";
import {
  assertSameSteps,
  declaredSteps,
  placeholderValues,
  provisionCommandSpecs,
  renderInputOf,
  type ResolvedHostValues,
  type StaticRenderInput,
} from "../../components/registryHost/provisioning";
import { stepHash } from "../../components/registryHost/render";
import type { HostRenderInput, ProvisionPlan } from "../../components/registryHost/render/types";
import { renderProvisionPlan } from "../../components/registryHost/render";

const hash = (password: string) => bcrypt.hashSync(password, 4);
const HASHES = { ci: hash("ci-password"), deploy: hash("deploy-password"), other: hash("other-password") };

const DEV: StaticRenderInput = {
  composition: "dev",
  sshUser: "ubuntu",
  registry: { image: "registry:3.0.0", port: 5000, gc: { enabled: true, onCalendar: "Sun *-*-* 03:30:00" } },
};
const PROD: StaticRenderInput = {
  composition: "prod",
  sshUser: "ubuntu",
  registry: { image: "registry:3.0.0", port: 5000, gc: { enabled: true, onCalendar: "Sun *-*-* 03:30:00" } },
  nginx: { domain: "example.com", sites: { docker: "registry", www: 8080, admin: 8081 } },
};

const pem = (label: string, body: string) =>
  `-----BEGIN ${label}-----\n${Buffer.from(body).toString("base64")}\n-----END ${label}-----\n`;

function values(over: Partial<ResolvedHostValues> = {}, withCa = true): ResolvedHostValues {
  return {
    htpasswd: htpasswdOf([
      { user: "ci", bcryptHash: HASHES.ci },
      { user: "deploy", bcryptHash: HASHES.deploy },
    ]),
    publicHost: "203.0.113.7",
    healthCheckCredential: { user: "ci", password: "ci-password" },
    certificatePem: pem("CERTIFICATE", "leaf one"),
    privateKeyPem: pem("PRIVATE KEY", "key one"),
    ...(withCa ? { caCertificatePem: pem("CERTIFICATE", "ca one") } : {}),
    dataVolumeDevice: dataVolumeDevicePath("vol-0123456789abcdef0"),
    ...over,
  };
}

interface Rendered {
  plan: ProvisionPlan;
  triggers: string[];
  ownHashes: string[];
  files: string;
}
function render(fixed: StaticRenderInput, v: ResolvedHostValues): Rendered {
  const plan = renderProvisionPlan(renderInputOf(fixed, v));
  return {
    plan,
    triggers: provisionCommandSpecs(plan).map((s) => s.trigger),
    ownHashes: plan.steps.map((s) => stepHash(s)),
    files: JSON.stringify([plan.files, plan.links ?? [], plan.removed ?? []]),
  };
}

/** Indexes of the steps whose trigger changed. */
const changedTriggers = (a: Rendered, b: Rendered) =>
  a.triggers.map((t, i) => (t !== b.triggers[i] ? a.plan.steps[i]!.name : undefined)).filter((x) => x);

const shapes = [
  ["dev", DEV, true],
  ["prod", PROD, false],
] as const;

describe.each(shapes)("%s: remote command triggers", (_name, fixed, withCa) => {
  const base = render(fixed, values({}, withCa));
  const INSTALL = base.plan.steps.findIndex((s) => s.name === "install-files");
  const fromInstall = base.plan.steps.slice(INSTALL).map((s) => s.name);

  it("are identical when nothing changes (no spurious re-run)", () => {
    expect(render(fixed, values({}, withCa)).triggers).toEqual(base.triggers);
  });

  const fileChanges: [string, Partial<ResolvedHostValues>][] = [
    [
      "htpasswd (a user's password)",
      {
        htpasswd: htpasswdOf([
          { user: "ci", bcryptHash: HASHES.other },
          { user: "deploy", bcryptHash: HASHES.deploy },
        ]),
      },
    ],
    ["the certificate", { certificatePem: pem("CERTIFICATE", "leaf two") }],
    ["the private key", { privateKeyPem: pem("PRIVATE KEY", "key two") }],
  ];
  it.each(fileChanges)("re-run install-files and every later step when %s changes, nothing before", (_what, over) => {
    const changed = render(fixed, values(over, withCa));
    expect(changed.files).not.toBe(base.files);
    expect(changedTriggers(base, changed)).toEqual(fromInstall);
  });

  it("re-run from install-files when the registry image (its unit file) changes", () => {
    const changed = render({ ...fixed, registry: { ...fixed.registry, image: "registry:3.0.1" } }, values({}, withCa));
    expect(changed.files).not.toBe(base.files);
    expect(changedTriggers(base, changed)[0]).not.toBe("wait-ready");
    expect(changedTriggers(base, changed)).toEqual(expect.arrayContaining(fromInstall));
  });

  it("keep install-files' own hash when no shipped file changes (a new data volume device)", () => {
    const changed = render(fixed, values({ dataVolumeDevice: dataVolumeDevicePath("vol-0fedcba9876543210") }, withCa));
    expect(changed.files).toBe(base.files);
    expect(changed.ownHashes[INSTALL]).toBe(base.ownHashes[INSTALL]);
    expect(changedTriggers(base, changed)[0]).toBe("prepare-data-volume");
  });

  it("change install-files' own hash exactly when a shipped file changes, over every variation", () => {
    const variations: Partial<ResolvedHostValues>[] = [
      {},
      ...fileChanges.map(([, over]) => over),
      { dataVolumeDevice: dataVolumeDevicePath("vol-0fedcba9876543210") },
      { healthCheckCredential: { user: "deploy", password: "deploy-password" } },
      { publicHost: "203.0.113.8" },
    ];
    for (const over of variations) {
      const changed = render(fixed, values(over, withCa));
      expect(changed.ownHashes[INSTALL] !== base.ownHashes[INSTALL]).toBe(changed.files !== base.files);
      // The chained trigger first changes at the first step whose own content changed.
      const firstOwn = changed.ownHashes.findIndex((h, i) => h !== base.ownHashes[i]);
      const firstTrigger = changed.triggers.findIndex((t, i) => t !== base.triggers[i]);
      expect(firstTrigger).toBe(firstOwn);
    }
  });

  it("declares at program start exactly the steps the resolved values render", () => {
    const placeholders = renderProvisionPlan(renderInputOf(fixed, placeholderValues(["ci", "deploy"], withCa)));
    expect(() => assertSameSteps(declaredSteps(placeholders), base.plan)).not.toThrow();
    expect(declaredSteps(base.plan).map((s) => s.name)).toEqual([
      "wait-ready",
      "install-packages",
      "prepare-data-volume",
      "install-files",
      "apply-config",
      "health-check",
      "install-cloudwatch-agent",
    ]);
  });

  it("never puts a secret on a command line", () => {
    const v = values({}, withCa);
    const specs = provisionCommandSpecs(base.plan, [v.privateKeyPem!, v.htpasswd, "ci-password"]);
    for (const s of specs) {
      expect(s.command).not.toContain("ci-password");
      expect(s.command).not.toMatch(/PRIVATE KEY|\$2[aby]\$/);
    }
  });
});

describe("provisionCommandSpecs and assertSameSteps: the contract", () => {
  const step = (name: string, command: string, stdin?: string) => ({ name, command, stdin, runsInTests: false });
  const plan = (...steps: ReturnType<typeof step>[]): ProvisionPlan => ({ files: [], steps });

  it("rejects a secret (or a line of one) on a command line", () => {
    const secret =
      "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIDeadBeefDeadBeefDeadBeef\n-----END PRIVATE KEY-----\n";
    expect(() =>
      provisionCommandSpecs(plan(step("leak", "echo MC4CAQAwBQYDK2VwBCIEIDeadBeefDeadBeefDeadBeef")), [secret]),
    ).toThrow('provision step "leak" has a secret on its command line: pass it on stdin');
    expect(() => provisionCommandSpecs(plan(step("ok", "sudo -n bash -s --", secret)), [secret])).not.toThrow();
  });

  it("rejects duplicate and non-kebab-case step names", () => {
    expect(() => provisionCommandSpecs(plan(step("a", "true"), step("a", "true")))).toThrow('"a" appears twice');
    expect(() => provisionCommandSpecs(plan(step("Bad Name", "true")))).toThrow("is not kebab-case");
  });

  it("refuses a rendered plan whose steps differ from the declared ones", () => {
    expect(() => assertSameSteps([{ name: "a", hasStdin: true }], plan(step("a", "true"), step("b", "true")))).toThrow(
      "the rendered provision plan has steps [a, b] but [a (stdin)] were declared",
    );
  });
});

describe("names and paths", () => {
  it("gives the renderers the Nitro by-id path of the data volume", () => {
    expect(DATA_VOLUME_DEVICE_NAME).toBe("/dev/sdf");
    expect(dataVolumeDevicePath("vol-0123456789abcdef0")).toBe(
      "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0",
    );
    expect(() => dataVolumeDevicePath("../etc")).toThrow("is not an EBS volume id");
  });

  it("addresses the registry by IP and port in dev, by site name in prod", () => {
    expect(registryAddressOf({ publicIp: "203.0.113.7", port: 5000 })).toBe("203.0.113.7:5000");
    expect(registryAddressOf({ publicIp: "203.0.113.7", hostName: "docker.example.com" })).toBe("docker.example.com");
    expect(sshCommandOf({ user: "ubuntu", publicIp: "203.0.113.7", keyFile: "./k" })).toBe(
      "ssh -i ./k ubuntu@203.0.113.7",
    );
    expect(sshCommandOf({ user: "ubuntu", publicIp: "203.0.113.7" })).toBe("ssh ubuntu@203.0.113.7");
  });

  it("builds htpasswd from bcrypt hashes only", () => {
    expect(htpasswdOf([{ user: "ci", bcryptHash: HASHES.ci }])).toBe(`ci:${HASHES.ci}\n`);
    expect(() => htpasswdOf([{ user: "ci", bcryptHash: "{SHA}abc" }])).toThrow('registry user "ci" is not bcrypt');
    expect(() => htpasswdOf([])).toThrow("at least one user");
    expect(() =>
      htpasswdOf([
        { user: "ci", bcryptHash: HASHES.ci },
        { user: "ci", bcryptHash: HASHES.ci },
      ]),
    ).toThrow("listed twice");
  });
});

// Keeps the HostRenderInput import honest: the static part plus the resolved part is a whole render input.
const _typecheck: HostRenderInput = renderInputOf(DEV, values());
void _typecheck;

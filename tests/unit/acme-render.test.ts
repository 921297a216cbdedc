// The ACME host files and steps (render/acme): what ships, what Nginx serves on port 80, how the steps change.
import { describe, expect, it } from "vitest";
import {
  ACME_PATHS,
  aptPackages,
  HostRenderInputError,
  renderProvisionPlan,
  type HostRenderInput,
} from "../../components/registryHost/render/index.js";
import { sampleInput } from "../integration/support/host-input.js";

const ACME = { email: "ops@example.com", directoryUrl: "https://acme.example/dir", challenge: "http-01" } as const;

/** The sample prod input with ACME instead of a shipped certificate. */
function acmeInput(acme: HostRenderInput["acme"] = ACME): HostRenderInput {
  const { tls: _shipped, ...rest } = sampleInput("prod", { sites: { docker: "registry", www: 8080 } });
  return { ...rest, acme };
}

const plan = renderProvisionPlan(acmeInput());
const file = (path: string) => {
  const f = plan.files.find((x) => x.path === path);
  if (!f) throw new Error(`no file ${path}`);
  return f.content;
};

/** The `server { ... }` blocks of a site that listen on port 80. */
function port80Servers(site: string): string[] {
  return site.split(/\nserver \{/).filter((b) => /^\s*listen 80;/m.test(b));
}

describe("ACME host files", () => {
  it("ships the tool, its configuration and four units, and no certificate or key", () => {
    const paths = plan.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "/usr/local/sbin/registry-acme",
        "/etc/registry-acme/acme.conf",
        "/etc/systemd/system/registry-acme-issue.service",
        "/etc/systemd/system/registry-acme-issue.timer",
        "/etc/systemd/system/registry-acme-renew.service",
        "/etc/systemd/system/registry-acme-renew.timer",
      ]),
    );
    expect(paths.filter((p) => /\.(crt|key|pem)$/.test(p))).toEqual([]);
    expect(plan.files.filter((f) => f.secret).map((f) => f.path)).toEqual(["/etc/registry/htpasswd"]);
    expect(plan.files.find((f) => f.path === ACME_PATHS.command)!.mode).toBe("0755");
  });

  it("configures lego for every site name, the CA, the email and paths on the data volume", () => {
    expect(file(ACME_PATHS.config)).toContain(
      [
        "ACME_SERVER='https://acme.example/dir'",
        "ACME_EMAIL='ops@example.com'",
        "ACME_CHALLENGE='http-01'",
        "ACME_DNS_PROVIDER='route53'",
        "ACME_DOMAINS='docker.example.com www.example.com'",
        "ACME_KEY_TYPE='ec256'",
        "LEGO_PATH='/srv/registry/acme'",
      ].join("\n"),
    );
    expect(file(ACME_PATHS.config)).toContain("RENEW_DAYS='30'\nWARN_DAYS='14'\n");
    // The http-01 webroot Nginx's workers (www-data) read: outside the 0700 state directory, setgid to their group,
    // and lego's umask keeps its 0644 token files group-readable (0640).
    expect(file(ACME_PATHS.config)).toContain(
      [
        "WEBROOT='/var/www/registry-acme'",
        "WEBROOT_GROUP='www-data'",
        "WEBROOT_DIR_MODE='2750'",
        "LEGO_UMASK='0027'",
        "STATE_DIR='/var/lib/registry-acme'",
      ].join("\n"),
    );
  });

  it("serves the ACME copy of the certificate on every site", () => {
    for (const site of ["docker", "www"]) {
      const text = file(`/etc/nginx/sites-available/${site}.example.com.conf`);
      expect(text).toContain("ssl_certificate /etc/nginx/tls/acme/fullchain.pem;");
      expect(text).toContain("ssl_certificate_key /etc/nginx/tls/acme/privkey.pem;");
    }
  });

  it("http-01: port 80 of every site serves exactly the challenge location and the redirect", () => {
    for (const site of ["docker", "www"]) {
      const [server, ...more] = port80Servers(file(`/etc/nginx/sites-available/${site}.example.com.conf`));
      expect(more).toEqual([]);
      const locations = [...server!.matchAll(/location ([^{]+)\{/g)].map((m) => m[1]!.trim());
      expect(locations).toEqual(["^~ /.well-known/acme-challenge/", "/"]);
      expect(server).toContain(`root ${ACME_PATHS.webroot};`);
      expect(server).toContain("try_files $uri =404;");
      expect(server).toContain(`return 301 https://${site}.example.com$request_uri;`);
    }
  });

  it("dns-01: port 80 only redirects", () => {
    const dns = renderProvisionPlan(acmeInput({ ...ACME, challenge: "dns-01" }));
    const site = dns.files.find((f) => f.path === "/etc/nginx/sites-available/docker.example.com.conf")!.content;
    expect(site).not.toContain("acme-challenge");
    expect(dns.files.find((f) => f.path === ACME_PATHS.config)!.content).toContain("ACME_CHALLENGE='dns-01'");
  });

  it("a provided certificate keeps the shipped files and no ACME anything", () => {
    const provided = renderProvisionPlan(sampleInput("prod"));
    expect(provided.files.map((f) => f.path)).toContain("/etc/nginx/tls/example.com.key");
    expect(provided.files.some((f) => f.path.includes("acme"))).toBe(false);
    expect(provided.steps.map((s) => s.name)).not.toContain("acme-prepare");
    expect(aptPackages(sampleInput("prod"))).toEqual(["docker.io", "nginx", "unattended-upgrades"]);
  });

  it("units: issue retries on a short timer, renew twice a day, both need the data volume", () => {
    expect(file("/etc/systemd/system/registry-acme-issue.timer")).toContain("OnUnitInactiveSec=5min");
    expect(file("/etc/systemd/system/registry-acme-renew.timer")).toContain("OnCalendar=*-*-* 04,16:00:00");
    for (const unit of ["issue", "renew"]) {
      const service = file(`/etc/systemd/system/registry-acme-${unit}.service`);
      expect(service).toContain(`ExecStart=/usr/local/sbin/registry-acme ${unit}\n`);
      expect(service).toContain("RequiresMountsFor=/srv/registry\n");
    }
  });
});

describe("ACME provisioning steps", () => {
  it("acme-prepare runs after install-files and before apply-config", () => {
    expect(plan.steps.map((s) => s.name)).toEqual([
      "wait-ready",
      "install-packages",
      "prepare-data-volume",
      "install-files",
      "acme-prepare",
      "apply-config",
      "health-check",
      "install-cloudwatch-agent",
    ]);
  });

  it("installs lego unpinned, enables both timers, and the health check asks registry-acme", () => {
    expect(aptPackages(acmeInput())).toContain("lego");
    const step = (name: string) => plan.steps.find((s) => s.name === name)!.stdin!;
    expect(step("install-packages")).toMatch(/^readonly PACKAGES=\(.* 'lego' 'unattended-upgrades'\)$/m);
    expect(step("apply-config")).toMatch(
      /^readonly TIMERS=\('registry-gc\.timer' 'registry-acme-issue\.timer' 'registry-acme-renew\.timer'\)$/m,
    );
    expect(step("health-check")).toContain("readonly ACME_COMMAND='/usr/local/sbin/registry-acme'");
    expect(step("acme-prepare")).toContain("readonly ACME_COMMAND='/usr/local/sbin/registry-acme'");
    // registry-acme reads its fixed configuration: the steps pass it no path or program.
    expect(step("acme-prepare")).toMatch(/^ {2}"\$\(host_path "\$ACME_COMMAND"\)" prepare$/m);
    expect(step("health-check")).toMatch(/"\$\(host_path "\$ACME_COMMAND"\)" status --check 2>&1/);
  });

  it("refuses ACME in dev, with a shipped certificate, or with a bad email or URL", () => {
    const bad: [HostRenderInput, RegExp][] = [
      [{ ...sampleInput("dev"), tls: undefined, acme: ACME }, /acme is set in dev/],
      [{ ...sampleInput("prod"), acme: ACME }, /tls is set together with acme/],
      [acmeInput({ ...ACME, email: "x'; rm -rf /" }), /acme\.email/],
      [acmeInput({ ...ACME, directoryUrl: "http://acme.example/dir" }), /acme\.directoryUrl/],
      [{ ...sampleInput("prod"), tls: undefined }, /tls is missing/],
    ];
    for (const [input, message] of bad) {
      expect(() => renderProvisionPlan(input)).toThrow(HostRenderInputError);
      expect(() => renderProvisionPlan(input)).toThrow(message);
    }
  });
});

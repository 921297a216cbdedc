// Pure host renderers: what each file says, what each step is, and what the input validation refuses.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  renderAutoUpgradesConf,
  renderInstallPackagesScript,
  HostRenderInputError,
  HOST_PATHS,
  aptPackages,
  healthCheckTarget,
  renderBundle,
  renderDefaultSite,
  renderNginxMain,
  renderProvisionPlan,
  renderRegistryConfig,
  renderRegistryUnit,
  stepTriggers,
  type HostRenderInput,
} from "../../components/registryHost/render/index.js";
import { htpasswdLine, sampleInput } from "../integration/support/host-input.js";

const prod = sampleInput("prod");
const dev = sampleInput("dev", { registryPort: 5443, publicHost: "203.0.113.7" });
const prodPlan = renderProvisionPlan(prod);
const devPlan = renderProvisionPlan(dev);

function content(plan: ReturnType<typeof renderProvisionPlan>, path: string): string {
  const f = plan.files.find((x) => x.path === path);
  if (!f) throw new Error(`no file ${path}`);
  return f.content;
}

/** `{ ... }` blocks that follow `head` (brace matching, good enough for our own rendered files). */
function blocks(text: string, head: RegExp): string[] {
  const out: string[] = [];
  const re = new RegExp(head.source, "g");
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let depth = 0;
    const start = text.indexOf("{", m.index);
    for (let i = start; i < text.length; i++) {
      if (text[i] === "{") depth++;
      else if (text[i] === "}" && --depth === 0) {
        out.push(text.slice(start, i + 1));
        break;
      }
    }
  }
  return out;
}

/** Parses a bundle back into records (what install-files reads). */
function parseBundle(bundle: string) {
  return bundle
    .trimEnd()
    .split("\n")
    .map((line) => {
      const [kind, path, a, b, c] = line.split(" ");
      return { kind, path, a, b, c };
    });
}

describe("registry config.yml", () => {
  it("prod: plain HTTP on :5000 inside the container, filesystem storage, deletes on, bcrypt htpasswd auth", () => {
    const cfg = parse(renderRegistryConfig(prod));
    expect(cfg.version).toBe(0.1);
    expect(cfg.http.addr).toBe(":5000");
    expect(cfg.http.tls).toBeUndefined();
    expect(cfg.http.secret).toBeUndefined();
    expect(cfg.storage.filesystem.rootdirectory).toBe("/var/lib/registry");
    expect(cfg.storage.delete.enabled).toBe(true);
    expect(cfg.auth.htpasswd).toEqual({ realm: "Registry", path: "/etc/distribution/htpasswd" });
    expect(cfg.health.storagedriver.enabled).toBe(true);
    expect(cfg.http.headers["X-Content-Type-Options"]).toEqual(["nosniff"]);
  });

  it("dev: the registry serves TLS itself, TLS 1.2 minimum", () => {
    const cfg = parse(renderRegistryConfig(dev));
    expect(cfg.http.tls).toEqual({
      certificate: "/etc/distribution/tls.crt",
      key: "/etc/distribution/tls.key",
      minimumtls: "tls1.2",
    });
  });
});

describe("registry.service", () => {
  const prodUnit = renderRegistryUnit(prod);
  const devUnit = renderRegistryUnit(dev);

  it("runs the pinned image in the foreground under systemd's restart policy", () => {
    expect(prodUnit).toMatch(/^Restart=always$/m);
    expect(prodUnit).toMatch(/^ExecStart=\/usr\/bin\/docker run --rm --name registry .* registry:3\.0\.0$/m);
    expect(prodUnit).not.toMatch(/ -d |--detach|--restart/);
    expect(prodUnit).toMatch(/^ExecStartPre=-\/usr\/bin\/docker rm --force registry$/m);
    expect(prodUnit).toMatch(
      /^ExecStartPre=.*docker image inspect registry:3\.0\.0 .*\|\| exec docker pull registry:3\.0\.0'$/m,
    );
    expect(prodUnit).toMatch(/^RequiresMountsFor=\/srv\/registry\/data$/m);
    expect(prodUnit).toMatch(/^WantedBy=multi-user\.target$/m);
  });

  it("mounts config/TLS/htpasswd read-only and the data volume", () => {
    expect(prodUnit).toContain("--volume /etc/registry:/etc/distribution:ro");
    expect(prodUnit).toContain("--volume /srv/registry/data:/var/lib/registry ");
  });

  it("publishes on loopback only in prod, on every address in dev", () => {
    expect(prodUnit).toContain("--publish 127.0.0.1:5000:5000 ");
    expect(devUnit).toContain("--publish 5443:5000 ");
  });
});

describe("nginx.conf", () => {
  const main = renderNginxMain();

  it("Mozilla intermediate TLS: 1.2 and 1.3, ECDHE AEAD ciphers, client's choice, session cache", () => {
    expect(main).toMatch(/^\s*ssl_protocols TLSv1\.2 TLSv1\.3;$/m);
    const ciphers = /^\s*ssl_ciphers (\S+);$/m.exec(main)![1]!.split(":");
    expect(ciphers.length).toBeGreaterThan(0);
    for (const c of ciphers) expect(c).toMatch(/^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/);
    expect(main).toMatch(/^\s*ssl_prefer_server_ciphers off;$/m);
    expect(main).toMatch(/^\s*ssl_session_cache shared:MozSSL:10m;$/m);
    expect(main).toMatch(/^\s*ssl_session_timeout 1d;$/m);
  });

  it("hides the version, maps the API-version header, includes only sites-enabled", () => {
    expect(main).toMatch(/^\s*server_tokens off;$/m);
    expect(main).toContain("map $upstream_http_docker_distribution_api_version $docker_distribution_api_version");
    expect(main).toMatch(/^\s*include \/etc\/nginx\/sites-enabled\/\*;$/m);
    expect(main).not.toContain("conf.d");
  });

  it("never uses the deprecated `ssl on`", () => {
    for (const f of prodPlan.files.filter((x) => x.path.startsWith("/etc/nginx/"))) {
      expect(f.content).not.toMatch(/^\s*ssl\s+on;/m);
    }
  });
});

describe("nginx sites", () => {
  const registrySite = content(prodPlan, "/etc/nginx/sites-available/docker.example.com.conf");
  const wwwSite = content(prodPlan, "/etc/nginx/sites-available/www.example.com.conf");

  it("one file per site plus the catch-all, each enabled by a relative link; the package default removed", () => {
    const available = prodPlan.files
      .filter((f) => f.path.startsWith(HOST_PATHS.nginxSitesAvailable))
      .map((f) => f.path);
    expect(available).toEqual([
      "/etc/nginx/sites-available/000-default.conf",
      "/etc/nginx/sites-available/admin.example.com.conf",
      "/etc/nginx/sites-available/docker.example.com.conf",
      "/etc/nginx/sites-available/www.example.com.conf",
    ]);
    expect(prodPlan.links!.map((l) => [l.path, l.target])).toEqual(
      available.map((p) => [p.replace("sites-available", "sites-enabled"), `../sites-available/${p.split("/").pop()}`]),
    );
    expect(prodPlan.removed).toEqual(["/etc/nginx/sites-enabled/default"]);
  });

  it("port 80 only redirects to https, per name", () => {
    for (const site of [registrySite, wwwSite]) {
      const http = blocks(site, /server\s*\{/).filter((b) => /listen 80;/.test(b));
      expect(http).toHaveLength(1);
      const directives = http[0]!
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && l !== "{" && l !== "}");
      expect(directives).toEqual([
        "listen 80;",
        expect.stringMatching(/^server_name \S+;$/),
        expect.stringMatching(/^return 301 https:\/\/\S+\$request_uri;$/),
      ]);
    }
  });

  it("TLS servers use `listen 443 ssl http2`, the certificate under /etc/nginx/tls and HSTS", () => {
    for (const site of [registrySite, wwwSite]) {
      expect(site).toMatch(/^\s*listen 443 ssl http2;$/m);
      expect(site).toContain("ssl_certificate /etc/nginx/tls/example.com.crt;");
      expect(site).toContain("ssl_certificate_key /etc/nginx/tls/example.com.key;");
      expect(site).toContain('add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;');
    }
  });

  it("every location that adds headers repeats HSTS (add_header does not inherit)", () => {
    for (const site of [registrySite, wwwSite]) {
      for (const loc of blocks(site, /location [^{]+\{/)) {
        if (loc.includes("add_header")) expect(loc).toContain("Strict-Transport-Security");
      }
    }
  });

  it("the registry site streams to the loopback registry with the forwarded headers", () => {
    const loc = blocks(registrySite, /location \/v2\/ \{/)[0]!;
    for (const d of [
      "proxy_set_header Host $http_host;",
      "proxy_set_header X-Real-IP $remote_addr;",
      "proxy_set_header X-Forwarded-For $remote_addr;",
      "proxy_set_header X-Forwarded-Proto $scheme;",
      "proxy_read_timeout 900;",
      "proxy_request_buffering off;",
      "proxy_buffering off;",
      "proxy_http_version 1.1;",
      "proxy_buffer_size 1m;",
      "add_header Docker-Distribution-Api-Version $docker_distribution_api_version always;",
    ]) {
      expect(loc).toContain(d);
    }
    expect(registrySite).toContain("client_max_body_size 0;");
    expect(registrySite).toContain("chunked_transfer_encoding on;");
    expect(registrySite).toMatch(/server 127\.0\.0\.1:5000;/);
  });

  it("application sites proxy to their loopback port", () => {
    expect(wwwSite).toContain("proxy_pass http://127.0.0.1:8080;");
    expect(wwwSite).toContain("proxy_set_header X-Forwarded-Proto $scheme;");
  });

  it("the edge sets X-Forwarded-For to the connecting address, never appending the client's header", () => {
    for (const site of [registrySite, wwwSite]) {
      expect(site).toContain("proxy_set_header X-Forwarded-For $remote_addr;");
      expect(site).not.toContain("$proxy_add_x_forwarded_for");
    }
  });

  it("a site with an access list admits only those ranges (server level), others stay open", () => {
    const limited = renderProvisionPlan({
      ...prod,
      nginx: { ...prod.nginx!, access: { admin: ["203.0.113.0/24", "2001:db8::/32"], docker: ["198.51.100.7/32"] } },
    });
    const admin = content(limited, "/etc/nginx/sites-available/admin.example.com.conf");
    const tlsServer = blocks(admin, /server\s*\{/).find((b) => b.includes("listen 443"))!;
    expect(tlsServer).toMatch(/allow 203\.0\.113\.0\/24;\s+allow 2001:db8::\/32;\s+deny all;/);
    const docker = content(limited, "/etc/nginx/sites-available/docker.example.com.conf");
    expect(docker).toMatch(/allow 198\.51\.100\.7\/32;\s+deny all;/);
    expect(content(limited, "/etc/nginx/sites-available/www.example.com.conf")).not.toMatch(/\ballow |deny all/);
    expect(wwwSite).not.toMatch(/deny all/);
  });

  it("the catch-all answers 444 on 80 and refuses unknown SNI on 443", () => {
    const d = renderDefaultSite();
    expect(d).toMatch(/listen 80 default_server;\s+server_name _;\s+return 444;/);
    expect(d).toMatch(/listen 443 ssl http2 default_server;\s+server_name _;\s+ssl_reject_handshake on;/);
  });
});

describe("files", () => {
  it("secrets are 0600 and flagged secret; nothing else is", () => {
    const secrets = prodPlan.files.filter((f) => f.secret).map((f) => [f.path, f.mode]);
    expect(secrets).toEqual([
      ["/etc/nginx/tls/example.com.key", "0600"],
      ["/etc/registry/htpasswd", "0600"],
    ]);
    expect(devPlan.files.filter((f) => f.secret).map((f) => [f.path, f.mode])).toEqual([
      ["/etc/registry/htpasswd", "0600"],
      ["/etc/registry/tls.key", "0600"],
    ]);
  });

  it("dev ships the registry's TLS files and CA and no Nginx; prod ships Nginx and no registry TLS", () => {
    const devPaths = devPlan.files.map((f) => f.path);
    expect(devPaths).toEqual(
      expect.arrayContaining(["/etc/registry/tls.crt", "/etc/registry/tls.key", "/etc/registry/ca.crt"]),
    );
    expect(devPaths.some((p) => p.startsWith("/etc/nginx/"))).toBe(false);
    expect(devPlan.links).toEqual([]);
    const prodPaths = prodPlan.files.map((f) => f.path);
    expect(prodPaths.some((p) => p.startsWith("/etc/registry/tls"))).toBe(false);
  });

  it("includes the GC script, service and timer when GC is on, none when off", () => {
    expect(prodPlan.files.map((f) => f.path)).toEqual(
      expect.arrayContaining([
        "/usr/local/sbin/registry-gc.sh",
        "/etc/systemd/system/registry-gc.service",
        "/etc/systemd/system/registry-gc.timer",
      ]),
    );
    expect(content(prodPlan, "/etc/systemd/system/registry-gc.timer")).toContain("OnCalendar=Sun *-*-* 03:30:00");
    const off = renderProvisionPlan(sampleInput("prod", { gcEnabled: false }));
    expect(off.files.some((f) => f.path.includes("registry-gc"))).toBe(false);
  });

  it("htpasswd is shipped as given (bcrypt lines), one per line", () => {
    const line = htpasswdLine("ci", "pw");
    const p = renderProvisionPlan(sampleInput("prod", { htpasswd: `\n${line}\n\n` }));
    expect(content(p, HOST_PATHS.htpasswd)).toBe(`${line}\n`);
  });
});

describe("steps", () => {
  it("ordered, one fixed command line, script and data on stdin, no secret on any command line", () => {
    expect(prodPlan.steps.map((s) => [s.name, s.runsInTests])).toEqual([
      ["wait-ready", true],
      ["install-packages", false],
      ["prepare-data-volume", false],
      ["install-files", true],
      ["apply-config", true],
      ["health-check", true],
      ["install-cloudwatch-agent", false],
    ]);
    for (const s of prodPlan.steps) {
      expect(s.command).toBe("sudo -n bash -s --");
      expect(s.stdin).toMatch(/^#!\/usr\/bin\/env bash\n/);
      expect(s.stdin).toContain("set -euo pipefail");
    }
    const cred = renderProvisionPlan(
      sampleInput("prod", { healthCheckCredential: { user: "ci", password: "s3cret" } }),
    );
    expect(cred.steps.find((s) => s.name === "health-check")!.stdin).toContain(
      "\nci:s3cret\n__REGISTRY_HOST_CREDENTIAL__\n",
    );
    for (const s of cred.steps) expect(s.command).not.toContain("s3cret");
  });

  it("install-files carries every file, link and removal in its bundle, each file with its sha256", () => {
    const stdin = prodPlan.steps.find((s) => s.name === "install-files")!.stdin!;
    const bundle = /<<'__REGISTRY_HOST_BUNDLE__'\n([\s\S]*)__REGISTRY_HOST_BUNDLE__\n$/.exec(stdin)![1]!;
    const records = parseBundle(bundle);
    for (const f of prodPlan.files) {
      const r = records.find((x) => x.path === f.path)!;
      expect(r.kind).toBe("F");
      expect(r.a).toBe(f.mode);
      expect(Buffer.from(r.c!, "base64").toString("utf8")).toBe(f.content);
      expect(r.b).toBe(createHash("sha256").update(f.content).digest("hex"));
    }
    expect(records.filter((r) => r.kind === "L")).toHaveLength(prodPlan.links!.length);
    expect(records.filter((r) => r.kind === "R").map((r) => r.path)).toEqual(prodPlan.removed);
  });

  it("apply-config knows the composition and the GC timer", () => {
    const apply = prodPlan.steps.find((s) => s.name === "apply-config")!.stdin!;
    expect(apply).toContain("readonly COMPOSITION='prod'");
    expect(apply).toContain("readonly TIMERS=('registry-gc.timer')");
    const noGc = renderProvisionPlan(sampleInput("dev", { gcEnabled: false }));
    expect(noGc.steps.find((s) => s.name === "apply-config")!.stdin).toContain("readonly TIMERS=()");
  });

  it("triggers: same input, same triggers; a changed file re-runs install-files and later steps only", () => {
    const again = renderProvisionPlan(prod);
    expect(stepTriggers(again.steps)).toEqual(stepTriggers(prodPlan.steps));
    const changed: HostRenderInput = { ...prod, nginx: { ...prod.nginx!, sites: { ...prod.nginx!.sites, www: 9090 } } };
    const a = stepTriggers(prodPlan.steps);
    const b = stepTriggers(renderProvisionPlan(changed).steps);
    expect(b.slice(0, 3)).toEqual(a.slice(0, 3));
    for (let i = 3; i < a.length; i++) expect(b[i]).not.toBe(a[i]);
  });

  it("health check: prod through Nginx with the registry name; dev on the registry port with the CA and publicHost", () => {
    expect(healthCheckTarget(prod)).toEqual({
      host: "docker.example.com",
      port: 443,
      connect: "127.0.0.1:443",
      cacert: "",
    });
    expect(healthCheckTarget(dev)).toEqual({
      host: "203.0.113.7",
      port: 5443,
      connect: "127.0.0.1:5443",
      cacert: "/etc/registry/ca.crt",
    });
  });

  it("packages: current builds, no version pins or holds, nginx only in prod, unattended-upgrades everywhere", () => {
    expect(aptPackages(prod)).toEqual(["docker.io", "nginx", "unattended-upgrades"]);
    expect(aptPackages(dev)).toEqual(["docker.io", "unattended-upgrades"]);
    const script = renderInstallPackagesScript(prod);
    expect(script).toContain("readonly PACKAGES=('docker.io' 'nginx' 'unattended-upgrades')");
    expect(script).not.toMatch(/=\d[\w.~+-]*'|apt-mark hold|--allow-downgrades|--allow-change-held-packages/);
    expect(renderAutoUpgradesConf()).toContain('"${distro_id}:${distro_codename}-security";');
  });
});

describe("bundle", () => {
  it("round-trips any content byte for byte", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.constantFrom("0600", "0644", "0755"), (text, mode) => {
        const [r] = parseBundle(renderBundle([{ path: "/etc/x/y.conf", content: text, mode, secret: false }]));
        return (
          Buffer.from(r!.c ?? "", "base64").toString("utf8") === Buffer.from(text, "utf8").toString("utf8") &&
          r!.b === createHash("sha256").update(text, "utf8").digest("hex")
        );
      }),
    );
  });

  it("refuses unsafe or duplicate paths", () => {
    const f = (path: string) => ({ path, content: "x", mode: "0644", secret: false });
    expect(() => renderBundle([f("relative/path")])).toThrow(/must be absolute/);
    expect(() => renderBundle([f("/etc/a b")])).toThrow(/must be absolute/);
    expect(() => renderBundle([f("/etc/../root/x")])).toThrow(/must be absolute/);
    expect(() => renderBundle([f("/etc/a"), f("/etc/a")])).toThrow(/appears twice/);
    expect(() => renderBundle([{ ...f("/etc/a"), mode: "rw" }])).toThrow(/not octal/);
  });
});

describe("input validation", () => {
  const cases: [string, (i: HostRenderInput) => HostRenderInput, RegExp][] = [
    ["a non-bcrypt htpasswd line", (i) => ({ ...i, registry: { ...i.registry, htpasswd: "ci:{SHA}abc=\n" } }), /htpasswd \(line 1\) is not a bcrypt entry/],
    ["an empty htpasswd", (i) => ({ ...i, registry: { ...i.registry, htpasswd: "\n" } }), /htpasswd is empty/],
    ["a floating image tag", (i) => ({ ...i, registry: { ...i.registry, image: "registry:latest" } }), /pin the image/],
    ["an untagged image", (i) => ({ ...i, registry: { ...i.registry, image: "registry" } }), /pin the image/],
    ["an image that reads as a docker option", (i) => ({ ...i, registry: { ...i.registry, image: "--privileged:3.0.0" } }), /pin the image/],
    ["a port out of range", (i) => ({ ...i, registry: { ...i.registry, port: 70000 } }), /registry\.port is 70000/],
    ["prod without nginx", (i) => ({ ...i, nginx: undefined }), /nginx is missing in prod/],
    ["a bad site label", (i) => ({ ...i, nginx: { ...i.nginx!, sites: { "Bad_Label": 80 } } }), /not a DNS label/],
    ["two registry sites", (i) => ({ ...i, nginx: { ...i.nginx!, sites: { a: "registry", b: "registry" } } }), /registry twice/],
    ["a device path with a space", (i) => ({ ...i, dataVolumeDevice: "/dev/x y" }), /dataVolumeDevice/],
    ["a key that is not PEM", (i) => ({ ...i, tls: { ...i.tls!, privateKeyPem: "secret" } }), /privateKeyPem is not PEM/],
    ["an access list for no site", (i) => ({ ...i, nginx: { ...i.nginx!, access: { api: ["10.0.0.0/8"] } } }), /access\.api names no site/],
    ["an access entry that is not a CIDR", (i) => ({ ...i, nginx: { ...i.nginx!, access: { admin: ["1.2.3.4/32; include /x"] } } }), /CIDR blocks/],
    ["a two-line GC schedule", (i) => ({ ...i, registry: { ...i.registry, gc: { enabled: true, onCalendar: "a\nb" } } }), /onCalendar/],
  ]; // prettier-ignore
  for (const [what, change, message] of cases) {
    it(`refuses ${what}`, () => {
      expect(() => renderProvisionPlan(change(prod))).toThrow(HostRenderInputError);
      expect(() => renderProvisionPlan(change(prod))).toThrow(message);
    });
  }

  it("refuses nginx in dev", () => {
    expect(() => renderProvisionPlan({ ...dev, nginx: { domain: "example.com", sites: {} } })).toThrow(/set in dev/);
  });
});

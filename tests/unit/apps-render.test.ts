// The app deploy script's pure renderers: hostile values stay data, the rendered script passes the real shellcheck,
// the env file carries values literally, the hashes change exactly when they should.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  type AppDeployInput,
  canonicalHash,
  ENV_DELIMITER,
  imageReference,
  renderDeployScript,
  renderDeployStdin,
  renderEnvFile,
  secretsHash,
} from "../../components/apps/render/deploy";
import { renderReleaseSite } from "../../components/registryHost/render/nginxSite";
import { renderNginxMain } from "../../components/registryHost/render/nginxMain";

const dir = mkdtempSync(join(tmpdir(), "apps-render-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOSTILE = `it's "$(touch /tmp/pwned)" \`id\` $HOME; \\ & | > <`;

function input(over: Partial<AppDeployInput> = {}): AppDeployInput {
  return {
    app: "web",
    stack: "prod",
    registry: "docker.example.com",
    registryUser: "deploy",
    repository: "team/web",
    tag: "1.4.2",
    port: 8080,
    healthCheck: {
      path: "/up",
      intervalSeconds: 1,
      timeoutSeconds: 5,
      deployTimeoutSeconds: 600,
      watchSeconds: 60,
      unhealthyThreshold: 3,
    },
    drainSeconds: 30,
    stopTimeoutSeconds: 30,
    memoryMiB: 512,
    keepReleases: 5,
    nginxSwitch: true,
    configHash: "a".repeat(64),
    secretsHash: "b".repeat(64),
    config: { env: { GREETING: HOSTILE } },
    deployedBy: HOSTILE,
    ...over,
  };
}

function shellcheck(name: string, text: string) {
  const file = join(dir, name);
  writeFileSync(file, text);
  return spawnSync("shellcheck", ["--shell=bash", "--severity=style", file], { encoding: "utf8" });
}

describe("the deploy script", () => {
  it.each([
    ["prod, by tag", input()],
    [
      "dev, by digest, CPU limit",
      input({ nginxSwitch: false, tag: undefined, digest: `sha256:${"c".repeat(64)}`, cpus: 1.5 }),
    ],
  ])("%s: the whole stdin passes shellcheck and bash -n", (name, i) => {
    const stdin = renderDeployStdin(i, `pa'ss"word$(x)`, renderEnvFile({ SECRET: HOSTILE }, 8080));
    const sc = shellcheck(`${name.replace(/\W+/g, "-")}.sh`, stdin);
    expect(sc.stdout + sc.stderr).toBe("");
    expect(sc.status).toBe(0);
    expect(spawnSync("bash", ["-n"], { input: stdin, encoding: "utf8" }).status).toBe(0);
  });

  it("keeps hostile free text out of the shell: base64 in the script, the secrets only in the quoted here-document", () => {
    const script = renderDeployScript(input());
    expect(script).not.toContain("touch /tmp/pwned");
    expect(script).toContain(`readonly DEPLOYED_BY_BASE64='${Buffer.from(HOSTILE).toString("base64")}'`);
    const stdin = renderDeployStdin(input(), "pw", renderEnvFile({ SECRET: HOSTILE }, 8080));
    // Quoted delimiter: bash expands nothing in the here-document.
    expect(stdin).toContain(`main "$@" <<'${ENV_DELIMITER}'\npw\nPORT=8080\nSECRET=${HOSTILE}\n${ENV_DELIMITER}\n`);
  });

  it("runs the hostile values through bash as data: the here-document reaches main byte for byte", () => {
    const stdin = renderDeployStdin(input(), `pa'ss"word$(x)`, renderEnvFile({ SECRET: HOSTILE }, 8080));
    // Replace main with a probe that prints what it was given, then run the real script text.
    const probe = stdin
      .replace(/\nmain\(\) \{/, "\nmain_real() {")
      .replace(/^main "\$@" <</m, 'main() { cat; }\nmain "$@" <<');
    const r = spawnSync("bash", ["-s"], { input: probe, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`pa'ss"word$(x)\nPORT=8080\nSECRET=${HOSTILE}\n`);
  });

  it("refuses what would break the script or the here-document", () => {
    expect(() => renderDeployScript(input({ app: "Web; rm" }))).toThrow(/app name/);
    expect(() => renderDeployScript(input({ registry: "x y" }))).toThrow(/registry address/);
    expect(() => renderDeployScript(input({ repository: "--privileged" }))).toThrow(/repository/);
    expect(() => renderDeployStdin(input(), "two\nlines", "")).toThrow(/one line/);
    expect(() => renderDeployStdin(input(), "pw", `A=1\n${ENV_DELIMITER}\n`)).toThrow(/delimiter/);
  });

  it("pulls by digest when it is known, by tag otherwise", () => {
    const d = `sha256:${"d".repeat(64)}`;
    expect(imageReference(input({ digest: d }))).toBe(`docker.example.com/team/web@${d}`);
    expect(imageReference(input())).toBe("docker.example.com/team/web:1.4.2");
  });
});

describe("the env file", () => {
  it("is NAME=value per line, sorted, values literal, PORT defaulting to the app's port", () => {
    expect(renderEnvFile({ B: "2", A: HOSTILE }, 8080)).toBe(`A=${HOSTILE}\nB=2\nPORT=8080\n`);
    expect(renderEnvFile({ PORT: "3000" }, 8080)).toBe("PORT=3000\n");
  });

  it("refuses a line break or an invalid name", () => {
    expect(() => renderEnvFile({ A: "x\ny" }, 1)).toThrow(/line break/);
    expect(() => renderEnvFile({ "A-B": "x" }, 1)).toThrow(/not a valid variable name/);
  });
});

describe("hashes", () => {
  it("configHash ignores key order and changes with any value", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalHash(reversed)).toBe(canonicalHash(obj));
        expect(canonicalHash({ ...obj, "\u0000extra": 1 })).not.toBe(canonicalHash(obj));
      }),
    );
  });

  it("secretsHash changes with a value but holds none of them", () => {
    const a = secretsHash({ DB: { source: "database.url", value: "postgres://u:p1@h/db" } });
    const b = secretsHash({ DB: { source: "database.url", value: "postgres://u:p2@h/db" } });
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("Nginx for apps", () => {
  it("an app site's upstream has a placeholder marked down and includes the release file", () => {
    const site = renderReleaseSite("www.example.com", "example.com", "web-api");
    expect(site).toContain("upstream app_web_api {\n    # Placeholder");
    expect(site).toContain("server 127.0.0.1:9 down;");
    expect(site).toContain("include /etc/nginx/apps/web-api/*.conf;");
    expect(site).toContain("proxy_pass http://app_web_api;");
  });

  it("nginx.conf bounds the drain with worker_shutdown_timeout only when apps are behind sites", () => {
    expect(renderNginxMain(45)).toMatch(/^worker_shutdown_timeout 45s;$/m);
    expect(renderNginxMain()).not.toContain("worker_shutdown_timeout");
  });
});

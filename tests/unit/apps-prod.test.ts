// The apps in the prod stack under the mock engine: one deploy step per app over the host's pinned connection, after
// provisioning, secrets on stdin only, the Nginx site and drain that match, outputs.
import { beforeAll, describe, expect, it } from "vitest";
import { isWireSecret } from "../../scripts/plan/secrets";
import { runStack, type StackRun } from "./support/runStack";

const DIGEST = `sha256:${"e".repeat(64)}`;
let run: StackRun;
beforeAll(async () => {
  run = await runStack(
    "prod",
    {
      sites: { docker: "registry", www: "web", admin: 8081 },
      apps: {
        web: {
          image: `web:1.4.2@${DIGEST}`,
          port: 3000,
          site: "www",
          env: { RAILS_ENV: "production" },
          secrets: { DATABASE_URL: "database.url", STRIPE_KEY: "appSecrets.STRIPE_KEY" },
          drainSeconds: 45,
        },
        worker: { image: "team/worker:2.0", port: 9000, drainSeconds: 120 },
      },
    },
    { appSecrets: JSON.stringify({ STRIPE_KEY: "sk_live_unit_test_value" }) },
  );
});

const step = (app: string) => run.named(`prod-apps-${app}-deploy`);

describe("prod apps: the deploy steps", () => {
  it("runs one fixed command per app, over the pinned connection, after the host's last provisioning step", () => {
    const web = step("web");
    expect(web.type).toBe("command:remote:Command");
    expect(web.props.create).toBe("sudo -n bash -s --");
    const provision = run.ofType("command:remote:Command").filter((c) => c.name.startsWith("prod-host-"));
    expect(web.dependsOn).toContain(provision.at(-1)!.urn);
    expect(web.props.connection.hostKey).toBe(provision.at(-1)!.props.connection.hostKey);
    expect(web.props.connection.hostKey).toMatch(/^ssh-ed25519 /);
    expect(web.props.triggers).toHaveLength(2);
    expect(step("worker").props.create).toBe("sudo -n bash -s --");
  });

  it("carries secrets on stdin only, stdin kept secret: the database URL with its generated password, app secrets", () => {
    const web = step("web");
    expect(isWireSecret(web.inputs.stdin)).toBe(true);
    const stdin = web.props.stdin as string;
    expect(stdin).toMatch(/\nDATABASE_URL=postgresql:\/\/[^:\s]+:[^@\s]+@[^/\s]+:5432\/\S+\n/);
    expect(stdin).toContain("\nSTRIPE_KEY=sk_live_unit_test_value\n");
    expect(stdin).toContain("\nRAILS_ENV=production\n");
    expect(stdin).toContain("\nPORT=3000\n");
    for (const c of run.ofType("command:remote:Command")) {
      expect(JSON.stringify(c.props.create)).not.toContain("sk_live_unit_test_value");
    }
    expect(JSON.stringify(run.outputs.appReleases)).not.toContain("sk_live_unit_test_value");
  });

  it("pulls by digest from the registry over the host's loopback, switching through Nginx", () => {
    const stdin = step("web").props.stdin as string;
    expect(stdin).toContain(`readonly IMAGE_REF='127.0.0.1:5000/web@${DIGEST}'`);
    expect(stdin).toContain("readonly NGINX_SWITCH='1'");
    expect(stdin).toContain("readonly REGISTRY_USER='deploy'");
    // A tag only: resolved on the host at deploy time (docs/apps.md).
    const worker = step("worker").props.stdin as string;
    expect(worker).toContain("readonly IMAGE_REF='127.0.0.1:5000/team/worker:2.0'");
    expect(worker).toContain("readonly IMAGE_DIGEST=''");
  });
});

describe("prod apps: Nginx", () => {
  it("serves www from the web app's release upstream; nginx.conf drains as long as the longest app behind a site", () => {
    const site = run.hostFiles.find((f) => f.path === "/etc/nginx/sites-available/www.example.com.conf")!;
    expect(site.content).toContain("include /etc/nginx/apps/web/*.conf;");
    expect(site.content).toContain("proxy_pass http://app_web;");
    const main = run.hostFiles.find((f) => f.path === "/etc/nginx/nginx.conf")!;
    // worker has no site: its 120 s drain does not hold Nginx's old workers.
    expect(main.content).toMatch(/^worker_shutdown_timeout 45s;$/m);
  });
});

describe("prod apps: outputs", () => {
  it("shows what each step deploys, and no history before a deploy ran", () => {
    const releases = run.outputs.appReleases!.value as Record<
      string,
      { deploys: Record<string, string>; history: unknown }
    >;
    expect(releases.web!.deploys).toMatchObject({
      image: `web@${DIGEST}`,
      deployedBy: "pulumi up",
    });
    expect(releases.web!.deploys.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(releases.web!.history).toBeNull();
    expect(run.outputs.appReleases!.secret).toBe(false);
    expect(run.outputs.appAccess!.value).toEqual({
      web: "https://www.example.com (open to everyone)",
      worker: "no site: reached by other apps only, as http://worker:9000 on the apps network",
    });
  });
});

import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../stacks/config/parse";
import { PROJECT } from "../../stacks/config/schema";
import { appImageProblem, parseAppImage } from "../../stacks/config/sections/apps";
import { loadStackFile } from "../../scripts/plan/stackConfig";
import { problems, raw } from "./support/rawConfig";
import { PROJECT_DIR } from "./support/runStack";

/** The committed stack file with `over` merged in (top-level keys replaced), as raw engine config. */
function stack(name: "dev" | "prod", over: Record<string, unknown>, secrets: Record<string, unknown> = {}) {
  const file = loadStackFile(PROJECT_DIR, name);
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(file.config)) values[k.slice(PROJECT.length + 1)] = v;
  return raw(name, { ...values, ...over, ...secrets }, Object.keys(secrets));
}

const web = { image: "web:1.4.2", port: 8080 };

describe("apps config: what a valid app gets", () => {
  it("fills the documented defaults", () => {
    const config = parseStackConfig(stack("dev", { apps: { web } }));
    expect(config.apps.web).toEqual({
      image: "web:1.4.2",
      port: 8080,
      env: {},
      secrets: {},
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
      memoryMiB: 1024,
      keepReleases: 5,
    });
  });

  it("accepts a site that names the app, platform secrets and the stack's own app secrets", () => {
    const config = parseStackConfig(
      stack(
        "prod",
        {
          sites: { docker: "registry", www: "web" },
          apps: {
            web: {
              ...web,
              site: "www",
              env: { RAILS_ENV: "production", WORKERS: 4 },
              secrets: { DATABASE_URL: "database.url", STRIPE_KEY: "appSecrets.STRIPE_KEY" },
            },
          },
        },
        { appSecrets: { STRIPE_KEY: "sk_live_x" } },
      ),
    );
    expect(config.sites.www).toBe("web");
    expect(config.apps.web!.env).toEqual({ RAILS_ENV: "production", WORKERS: "4" });
    expect(config.appSecretNames).toEqual(["STRIPE_KEY"]);
  });

  it("parses image references: tag, digest, both; never a registry host", () => {
    const d = `sha256:${"a".repeat(64)}`;
    expect(parseAppImage("team/web:1.0")).toEqual({ repository: "team/web", tag: "1.0" });
    expect(parseAppImage(`web@${d}`)).toEqual({ repository: "web", digest: d });
    expect(parseAppImage(`web:1@${d}`)).toEqual({ repository: "web", tag: "1", digest: d });
    expect(parseAppImage("web")).toBeUndefined();
    expect(appImageProblem("docker.example.com/web:1")).toMatch(/names the registry host "docker.example.com".*web:1/);
    expect(appImageProblem("localhost:5000/web:1")).toMatch(/registry host/);
    expect(appImageProblem("web:latest")).toMatch(/floating tag latest/);
    expect(appImageProblem(`web:latest@${d}`)).toBeUndefined();
  });
});

describe("apps config: hostile or wrong values are refused with a fix", () => {
  it("refuses names, env keys, values and references a shell, an env file or docker could misread", () => {
    const found = problems(
      stack("dev", {
        apps: {
          "Web;rm": web,
          registry: web,
          api: {
            image: "--privileged",
            port: 8080,
            env: { "BAD-NAME": "x", "1X": "y", MULTI: "line\nbreak", OK: "$(rm -rf /) 'quoted' `x`" },
            healthCheck: { path: "/up; reboot" },
          },
        },
      }),
    );
    const keys = found.map((p) => p.key);
    expect(keys).toContain("apps.Web;rm");
    expect(keys).toContain("apps.registry");
    expect(keys).toContain("apps.api.image");
    expect(keys).toContain("apps.api.env.BAD-NAME");
    expect(keys).toContain("apps.api.env.1X");
    expect(keys).toContain("apps.api.env.MULTI");
    expect(keys).toContain("apps.api.healthCheck.path");
    // A value that is only odd text is fine: it travels in the env file, taken literally.
    expect(keys).not.toContain("apps.api.env.OK");
    for (const p of found) expect(p.fix).toMatch(/^pulumi config (set|rm)/);
  });

  it("says did-you-mean for a mistyped app setting", () => {
    const found = problems(stack("dev", { apps: { web: { ...web, imgae: "x" } } }));
    expect(found).toContainEqual(
      expect.objectContaining({
        key: "apps.web.imgae",
        message: expect.stringContaining('did you mean "apps.web.image"'),
      }),
    );
  });

  it("keeps sites and apps consistent, with did-you-mean and the command that fixes it", () => {
    const found = problems(
      stack("prod", { sites: { docker: "registry", www: "wbe", api: 8081 }, apps: { web: { ...web, site: "api" } } }),
    );
    expect(found).toContainEqual({
      key: "sites.www",
      message: 'names the app "wbe", which is not in apps (did you mean "web"?).',
      fix: "pulumi config set --path 'sites.www' web",
    });
    expect(found).toContainEqual({
      key: "apps.web.site",
      message: 'is "api", but sites.api is 8081: the site must name this app.',
      fix: "pulumi config set --path 'sites.api' web",
    });
  });

  it("requires every secret source to exist, and a variable to be either plain or secret", () => {
    const found = problems(
      stack(
        "dev",
        {
          azure: { enabled: false },
          apps: {
            web: {
              ...web,
              env: { DATABASE_URL: "x" },
              secrets: {
                DATABASE_URL: "database.url",
                STORAGE: "storage.connection",
                MAIL: "mail.sendgridApiKey",
                STRIPE: "appSecrets.STRIPE_KEI",
              },
            },
          },
        },
        { appSecrets: { STRIPE_KEY: "sk" } },
      ),
    );
    const byKey = Object.fromEntries(found.map((p) => [p.key, p]));
    expect(byKey["apps.web.secrets.DATABASE_URL"]?.message).toMatch(/either plain or secret/);
    expect(byKey["apps.web.secrets.STORAGE"]?.fix).toBe("pulumi config set --path 'azure.enabled' true");
    expect(byKey["apps.web.secrets.MAIL"]?.fix).toBe("pulumi config set --secret sendgridApiKey -- SG.xxxxx");
    expect(byKey["apps.web.secrets.STRIPE"]?.message).toContain('did you mean "appSecrets.STRIPE_KEY"');
    const unknown = problems(stack("dev", { apps: { web: { ...web, secrets: { OTHER: "vault.thing" } } } }));
    expect(unknown[0]).toMatchObject({
      key: "apps.web.secrets.OTHER",
      message: expect.stringMatching(/one of database.url/),
    });
  });

  it("refuses app secrets stored in clear text", () => {
    const config = stack("dev", { apps: { web }, appSecrets: { STRIPE_KEY: "sk" } });
    expect(problems(config)).toContainEqual(
      expect.objectContaining({ key: "appSecrets", message: expect.stringContaining("clear text") }),
    );
  });
});

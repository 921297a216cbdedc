// The apps in the dev stack under the mock engine: no Nginx, so releases are reached on the host's loopback.
import { beforeAll, describe, expect, it } from "vitest";
import { runStack, type StackRun } from "./support/runStack";

let run: StackRun;
beforeAll(async () => {
  run = await runStack("dev", {
    apps: { api: { image: "api:0.9.1", port: 8000, secrets: { DB_PASSWORD: "database.password" } } },
  });
});

describe("dev apps", () => {
  it("deploys over the pinned connection from the registry on the host's loopback, with no Nginx switch", () => {
    const api = run.named("dev-apps-api-deploy");
    const stdin = api.props.stdin as string;
    expect(stdin).toContain("readonly IMAGE_REF='127.0.0.1:5000/api:0.9.1'");
    expect(stdin).toContain("readonly NGINX_SWITCH='0'");
    expect(stdin).toMatch(/\nDB_PASSWORD=\S{16,}\n/);
    expect(run.hostFiles.some((f) => f.path.startsWith("/etc/nginx/"))).toBe(false);
  });

  it("says how the app is reached, through which allow list, and the two commands that open a tunnel", () => {
    const ssh = String(run.outputs.sshCommand!.value);
    expect(ssh).toMatch(/^ssh (-i \S+ )?\S+@\S+$/);
    const access = String((run.outputs.appAccess!.value as Record<string, string>).api);
    expect(access).toMatch(/^loopback only \(no Nginx in dev\).*SSH tunnel from host\.sshAllowedCidrs/);
    expect(access).toContain(
      `\`${ssh} sudo docker ps --filter label=startup-infra.stack=dev --filter label=startup-infra.app=api ` +
        "--filter status=running --latest --format '{{.Ports}}'`",
    );
    expect(access).toContain(`\`${ssh} -N -L 8000:127.0.0.1:PORT\``);
  });
});

// The rendered ACME files of a prod host under a test root, driven like the host does: registry-acme (the rendered
// tool and configuration, byte for byte) with the test-only options that point it at the root, the real nginx that
// serves the root's rendered configuration, and a systemctl stand-in that reloads that nginx.
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ACME_PATHS } from "../../../components/registryHost/render/index.js";
import { run, type RunResult } from "./exec.js";

export interface AcmeHost {
  /** Runs `registry-acme [extra options] <args...>` against the root; never throws on a non-zero exit. */
  acme(args: readonly string[], extraOptions?: readonly string[]): Promise<RunResult>;
  /** The nginx wrapper (`nginx -c <conf> -p <root> ... "$@"`) registry-acme uses for `-t`. */
  readonly nginx: string;
  readonly systemctl: string;
}

/**
 * `conf` is the remapped nginx.conf under `root` (support/host-nginx.ts); `env` reaches lego (LEGO_CA_CERTIFICATES to
 * trust the test CA's listener, EXEC_PATH for the dns-01 stand-in).
 */
export async function acmeHost(
  root: string,
  conf: string,
  binDir: string,
  env: Record<string, string>,
): Promise<AcmeHost> {
  await mkdir(binDir, { recursive: true });
  const nginx = join(binDir, "nginx");
  await writeFile(
    nginx,
    `#!/bin/bash\nexec /usr/sbin/nginx -c ${JSON.stringify(conf)} -p ${JSON.stringify(root)} -e ${JSON.stringify(
      join(root, "log/error.log"),
    )} "$@"\n`,
  );
  const systemctl = join(binDir, "systemctl");
  const pid = join(root, "nginx.pid");
  await writeFile(
    systemctl,
    `#!/bin/bash
# systemctl stand-in for nginx.service only: active while the test's nginx runs; reload = nginx -s reload (SIGHUP).
unit="\${*: -1}"
[ "$unit" = nginx.service ] || { echo "systemctl stand-in: unexpected $*" >&2; exit 2; }
case "$1" in
  is-active) [ -s ${JSON.stringify(pid)} ] && kill -0 "$(cat ${JSON.stringify(pid)})" 2>/dev/null ;;
  reload) exec ${JSON.stringify(nginx)} -s reload ;;
  *) echo "systemctl stand-in: unsupported $*" >&2; exit 2 ;;
esac
`,
  );
  await chmod(nginx, 0o755);
  await chmod(systemctl, 0o755);
  const command = join(root, ACME_PATHS.command);
  const base = ["--config", join(root, ACME_PATHS.config), "--root", root, "--nginx", nginx, "--systemctl", systemctl];
  return {
    nginx,
    systemctl,
    acme: (args, extraOptions = []) =>
      run(command, [...base, ...extraOptions, ...args], { env: { ...process.env, ...env }, timeoutMs: 120_000 }),
  };
}

/** The serial Nginx on `httpsPort` serves for `name`, verified against `caFile` (throws when it does not verify). */
export async function verifiedSerial(httpsPort: number, name: string, caFile: string): Promise<string> {
  const r = await run("openssl", ["s_client", "-connect", `127.0.0.1:${httpsPort}`, "-servername", name,
    "-verify_hostname", name, "-CAfile", caFile], { timeoutMs: 15_000 }); // prettier-ignore
  if (!/Verify return code: 0 \(ok\)/.test(r.stdout)) throw new Error(`${name} does not verify:\n${r.stdout}`);
  const leaf = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(r.stdout)![0];
  const serial = await run("openssl", ["x509", "-noout", "-serial"], { input: leaf });
  return serial.stdout
    .trim()
    .replace(/^serial=/, "")
    .toUpperCase();
}

// The rendered ACME files of a prod host under a test root, driven like the host does. registry-acme takes no option
// that points it elsewhere (it runs as root), so the harness installs a test copy instead: the tree's copy of the
// rendered tool with its one fixed configuration path moved into the root, the tree's configuration with its host
// paths moved into the root, and PATH shims for the programs it runs: nginx (the test's nginx for `-t` and
// `-s reload`), systemctl (a stand-in that knows nginx.service only) and lego (Debian's, with options a test adds).
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ACME_PATHS } from "../../../components/registryHost/render/index.js";
import { run, type RunResult } from "./exec.js";

export interface AcmeHost {
  /** Runs the tree's registry-acme (or `tool`, a variant) with the shims first on PATH; never throws on failure. */
  acme(args: readonly string[], opts?: { tool?: string; pathFirst?: string }): Promise<RunResult>;
  /** The environment the rendered steps that call registry-acme (acme-prepare, health-check) need: PATH shims. */
  readonly env: NodeJS.ProcessEnv;
  /** The nginx wrapper (`nginx -c <conf> -p <root> ... "$@"`). */
  readonly nginx: string;
  /** A second copy of the tool reading `edit(configuration)`: returns its path (for `acme(args, { tool })`). */
  variant(name: string, edit: (config: string) => string): Promise<string>;
}

const CONFIG_LINE = `\nreadonly CONFIG=${ACME_PATHS.config}\n`;

/** The tool with its configuration path replaced (exactly one line; throws when the rendered tool has none). */
function pointAt(tool: string, config: string): string {
  if (tool.split(CONFIG_LINE).length !== 2) throw new Error(`registry-acme has no single line '${CONFIG_LINE.trim()}'`);
  return tool.replace(CONFIG_LINE, `\nreadonly CONFIG=${config}\n`);
}

/** The configuration with every absolute path value moved under `root`. */
function rootedConfig(config: string, root: string): string {
  return config.replace(/^([A-Z_]+)='(\/[^']*)'$/gm, (_m, key: string, path: string) => `${key}='${root}${path}'`);
}

async function script(path: string, text: string): Promise<string> {
  await writeFile(path, text);
  await chmod(path, 0o755);
  return path;
}

/**
 * `conf` is the remapped nginx.conf under `root` (support/host-nginx.ts); `env` reaches lego (LEGO_CA_CERTIFICATES to
 * trust the test CA's listener, EXEC_PATH for the dns-01 stand-in); `legoOptions` go before lego's own arguments.
 */
export async function acmeHost(
  root: string,
  conf: string,
  binDir: string,
  env: Record<string, string>,
  legoOptions: readonly string[] = [],
): Promise<AcmeHost> {
  await mkdir(binDir, { recursive: true });
  const q = JSON.stringify;
  const nginx = await script(
    join(binDir, "nginx"),
    `#!/bin/bash\nexec /usr/sbin/nginx -c ${q(conf)} -p ${q(root)} -e ${q(join(root, "log/error.log"))} "$@"\n`,
  );
  const pid = join(root, "nginx.pid");
  await script(
    join(binDir, "systemctl"),
    `#!/bin/bash
# systemctl stand-in for nginx.service only: active while the test's nginx runs; reload = nginx -s reload (SIGHUP).
unit="\${*: -1}"
[ "$unit" = nginx.service ] || { echo "systemctl stand-in: unexpected $*" >&2; exit 2; }
case "$1" in
  is-active) [ -s ${q(pid)} ] && kill -0 "$(cat ${q(pid)})" 2>/dev/null ;;
  reload) exec ${q(nginx)} -s reload ;;
  *) echo "systemctl stand-in: unsupported $*" >&2; exit 2 ;;
esac
`,
  );
  await script(
    join(binDir, "lego"),
    `#!/bin/bash\nexec /usr/bin/lego ${legoOptions.map((o) => q(o)).join(" ")} "$@"\n`,
  );

  const config = join(root, ACME_PATHS.config);
  const tool = join(root, ACME_PATHS.command);
  const rendered = await readFile(tool, "utf8");
  await writeFile(config, rootedConfig(await readFile(config, "utf8"), root));
  await script(tool, pointAt(rendered, config));
  const path = (first?: string) => [first, binDir, process.env.PATH].filter(Boolean).join(":");
  const hostEnv = { ...process.env, ...env, PATH: path() };
  return {
    nginx,
    env: hostEnv,
    acme: (args, opts = {}) =>
      run(opts.tool ?? tool, args, { env: { ...hostEnv, PATH: path(opts.pathFirst) }, timeoutMs: 120_000 }),
    variant: async (name, edit) => {
      const copy = join(binDir, `acme-${name}.conf`);
      await writeFile(copy, edit(await readFile(config, "utf8")));
      return script(join(binDir, `registry-acme-${name}`), pointAt(rendered, copy));
    },
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

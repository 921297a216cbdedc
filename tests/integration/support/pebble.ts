// Pebble (Let's Encrypt's test ACME server, Debian's `pebble`) and its challenge test server (`pebble-challtestsrv`,
// used here only as the DNS both Pebble and lego resolve with) on loopback, each on free ports, with their own config.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startDaemon, type RunningDaemon } from "./daemon.js";
import { mintCa, mintLeafCert } from "./certs.js";
import { runOk } from "./exec.js";
import { freePort, portOpen } from "./ports.js";

export interface RunningPebble {
  /** The ACME directory URL (https, served with `tlsCaPath`). */
  readonly directoryUrl: string;
  /** CA of Pebble's own HTTPS listeners: give it to lego as LEGO_CA_CERTIFICATES. */
  readonly tlsCaPath: string;
  /** `127.0.0.1:<port>` of the DNS stand-in (UDP and TCP). */
  readonly dnsAddress: string;
  /** Its management API (`POST /set-txt {"host","value"}`, `POST /clear-txt {"host"}`). */
  readonly dnsManagementUrl: string;
  /** The root that signs issued certificates, fetched from Pebble's management endpoint (`/roots/0`). */
  issuanceRoot(): Promise<string>;
  /** Stops Pebble only (the CA becomes unreachable; the DNS stays). Safe to call twice. */
  stopCa(): Promise<void>;
  /** Stops both. Safe to call twice. */
  stop(): Promise<void>;
  logs(): string;
}

export interface PebbleOptions {
  /** The port Pebble's http-01 validation connects to on the resolved address (the Nginx port-80 listener). */
  readonly httpPort: number;
}

/** Spawns with extra environment variables (startDaemon spawns synchronously, so the change is scoped to it). */
async function withEnv<T>(env: Record<string, string>, start: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  let started: Promise<T>;
  try {
    started = start();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return started;
}

export async function startPebble(dir: string, opts: PebbleOptions): Promise<RunningPebble> {
  const ca = await mintCa(join(dir, "tls"), "Pebble listener CA");
  const leaf = await mintLeafCert(join(dir, "tls"), ca, { ipSans: ["127.0.0.1"], dnsSans: ["localhost"] });
  const [acmePort, managementPort, dnsPort, challMgmtPort, tlsPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const dnsAddress = `127.0.0.1:${dnsPort}`;
  const challMgmt = `http://127.0.0.1:${challMgmtPort}`;

  // Only the DNS and its management API: every name resolves to 127.0.0.1 (no AAAA, Nginx listens on IPv4 loopback).
  const dns = await startDaemon(
    "pebble-challtestsrv",
    "pebble-challtestsrv",
    [
      "-dns01", dnsAddress, "-http01", "", "-https01", "", "-tlsalpn01", "",
      "-management", `127.0.0.1:${challMgmtPort}`, "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
    ], // prettier-ignore
    () => portOpen(challMgmtPort),
  );
  let pebble: RunningDaemon | undefined;
  try {
    const config = join(dir, "pebble-config.json");
    await writeFile(
      config,
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${acmePort}`,
          managementListenAddress: `127.0.0.1:${managementPort}`,
          certificate: leaf.certPath,
          privateKey: leaf.keyPath,
          httpPort: opts.httpPort,
          tlsPort,
          ocspResponderURL: "",
          externalAccountBindingRequired: false,
        },
      }),
    );
    // No artificial validation delay, no random bad-nonce rejections: the tests measure our code, not Pebble's chaos.
    pebble = await withEnv({ PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0" }, () =>
      startDaemon("pebble", "pebble", ["-config", config, "-dnsserver", dnsAddress], () => portOpen(acmePort)),
    );
  } catch (e) {
    await dns.stop();
    throw e;
  }
  const curl = (args: string[]) => runOk("curl", ["--silent", "--show-error", "--fail", "--max-time", "10", ...args]);
  return {
    directoryUrl: `https://127.0.0.1:${acmePort}/dir`,
    tlsCaPath: ca.certPath,
    dnsAddress,
    dnsManagementUrl: challMgmt,
    issuanceRoot: async () =>
      (await curl(["--cacert", ca.certPath, `https://127.0.0.1:${managementPort}/roots/0`])).stdout,
    stopCa: async () => pebble!.stop(),
    stop: async () => {
      await pebble?.stop();
      await dns.stop();
    },
    logs: () => `${pebble?.logs() ?? ""}\n${dns.logs()}`,
  };
}

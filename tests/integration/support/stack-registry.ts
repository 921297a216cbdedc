import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Agent } from "undici";
import { mintCa, mintLeafCert } from "./certs.js";
import { startDaemon } from "./daemon.js";
import { distributionV3Bin } from "./ensure.js";
import { buildImageBlobs } from "./oci.js";
import { freePort } from "./ports.js";
import { pushBlob, putManifest, type PushTarget } from "./push.js";
import { probeRegistry, renderRegistryConfig, writeHtpasswd } from "./registry.js";

/** A stack's registry as its outputs describe it (dev: private CA), with images pushed over its HTTP API. */
export interface StackRegistry {
  /** `127.0.0.1:<port>`: the stack output `registryAddress`. */
  readonly address: string;
  /** The CA's PEM: the stack output `registryCaCertificatePem`. */
  readonly caPem: string;
  /** Pushes a one-layer image under `repository:tag` (its layer names the tag); resolves its manifest digest. */
  push(repository: string, tag: string): Promise<string>;
  /** Deletes a manifest by digest, as registry clean-up does. */
  deleteManifest(repository: string, digest: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The platform's registry (distribution v3, the version of the pinned image) on loopback under `work`: TLS from a
 * private CA (SAN 127.0.0.1), bcrypt htpasswd with `users` as the hosts write it, deletes enabled. Stop it in afterAll.
 */
export async function startStackRegistry(work: string, users: Record<string, string>): Promise<StackRegistry> {
  const ca = await mintCa(join(work, "ca"));
  const tls = await mintLeafCert(join(work, "tls"), ca, { ipSans: ["127.0.0.1"] });
  const htpasswdPath = join(work, "htpasswd");
  await writeHtpasswd(htpasswdPath, users);
  const port = await freePort();
  const configPath = join(work, "registry.yml");
  const config = { dataDir: join(work, "data"), port, tls, htpasswdPath, deleteEnabled: true };
  await writeFile(configPath, renderRegistryConfig(config));
  const url = `https://127.0.0.1:${port}`;
  const daemon = await startDaemon(`registry at ${url}`, distributionV3Bin(), ["serve", configPath], async () =>
    [200, 401].includes(await probeRegistry(url, ca.certPath)),
  );
  let caPem: string;
  try {
    caPem = await readFile(ca.certPath, "utf8");
  } catch (err) {
    await daemon.stop();
    throw err;
  }
  const agent = new Agent({ connect: { ca: caPem } });
  const [user, password] = Object.entries(users)[0]!;
  const auth = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  const target: PushTarget = { url, agent, auth };
  return {
    address: `127.0.0.1:${port}`,
    caPem,
    async push(repository, tag) {
      const img = buildImageBlobs({ files: { "release.txt": `${repository}:${tag}\n` } });
      for (const [digest, data] of img.blobs) await pushBlob(target, repository, digest, data);
      await putManifest(target, repository, tag, img.manifestBytes, img.manifest.mediaType);
      return img.manifest.digest;
    },
    async deleteManifest(repository, digest) {
      const res = await agent.request({
        origin: url,
        path: `/v2/${repository}/manifests/${digest}`,
        method: "DELETE",
        headers: { authorization: auth },
      });
      await res.body.dump();
      if (res.statusCode !== 202) throw new Error(`DELETE ${repository}@${digest}: HTTP ${res.statusCode}`);
    },
    async stop() {
      await agent.close();
      await daemon.stop();
    },
  };
}

import { stringify } from "yaml";
import { SERVICE_ACCOUNTS } from "./accounts";
import type { HostFile } from "../../hostFile";
import { CONTAINER_PATHS, HOST_PATHS } from "./paths";
import type { HostRenderInput } from "./types";

/**
 * The registry's `config.yml` for the pinned distribution v3 image, read inside the container at
 * /etc/distribution/config.yml. Only keys that distribution 2.8 understands too, so Debian's 2.8.2 binary loads the
 * same file in the integration tests.
 *
 * - Dev: TLS served by the registry itself (minimum TLS 1.2); prod: plain HTTP, published on 127.0.0.1 only, Nginx in
 *   front terminates TLS.
 * - No `http.secret`: one instance signs its own upload state with a random secret at start (a restart only breaks
 *   uploads in flight, which clients retry). Adding one would make this file a secret.
 * - `storage.delete.enabled`: the retention tool deletes manifests by digest.
 */
export function renderRegistryConfig(input: HostRenderInput): string {
  const http: Record<string, unknown> = {
    addr: `:${CONTAINER_PATHS.port}`,
    net: "tcp",
    relativeurls: false,
    draintimeout: "60s",
    headers: { "X-Content-Type-Options": ["nosniff"] },
  };
  if (input.composition === "dev") {
    http.tls = { certificate: CONTAINER_PATHS.tlsCert, key: CONTAINER_PATHS.tlsKey, minimumtls: "tls1.2" };
  }
  const config = {
    version: 0.1,
    log: { level: "info", formatter: "text", accesslog: { disabled: false }, fields: { service: "registry" } },
    storage: {
      filesystem: { rootdirectory: CONTAINER_PATHS.data },
      delete: { enabled: true },
      cache: { blobdescriptor: "inmemory" },
      maintenance: {
        // Abandoned uploads are purged after a week; the blob GC timer handles unreferenced blobs.
        uploadpurging: { enabled: true, age: "168h", interval: "24h", dryrun: false },
        readonly: { enabled: false },
      },
    },
    auth: { htpasswd: { realm: "Registry", path: CONTAINER_PATHS.htpasswd } },
    http,
    health: { storagedriver: { enabled: true, interval: "10s", threshold: 3 } },
  };
  const header =
    "# Managed by startup-infra (RegistryHost): changes made here are overwritten on the next deploy.\n" +
    `# Mounted read-only at ${CONTAINER_PATHS.config} in the ${input.registry.image} container.\n`;
  return header + stringify(config, { lineWidth: 0 });
}

/** The files of /etc/registry: config, htpasswd (0600) and, in dev, the registry's TLS certificate, key and CA. */
export function renderRegistryFiles(input: HostRenderInput): HostFile[] {
  // Mounted read-only into the container, which reads them as root without capabilities (accounts.ts).
  const readers = [SERVICE_ACCOUNTS.registry];
  const files: HostFile[] = [
    { path: HOST_PATHS.registryConfig, content: renderRegistryConfig(input), mode: "0644", secret: false, readers },
    { path: HOST_PATHS.htpasswd, content: renderHtpasswd(input), mode: "0600", secret: true, readers },
  ];
  if (input.composition === "dev" && input.tls) {
    files.push(
      {
        path: HOST_PATHS.registryTlsCert,
        content: withNewline(input.tls.certificatePem),
        mode: "0644",
        secret: false,
        readers,
      },
      {
        path: HOST_PATHS.registryTlsKey,
        content: withNewline(input.tls.privateKeyPem),
        mode: "0600",
        secret: true,
        readers,
      },
    );
    if (input.tls.caCertificatePem) {
      files.push({
        path: HOST_PATHS.registryCa,
        content: withNewline(input.tls.caCertificatePem),
        mode: "0644",
        secret: false,
        readers,
      });
    }
  }
  return files;
}

/** htpasswd content as shipped: the given bcrypt lines, blank lines dropped, one trailing newline. */
export function renderHtpasswd(input: HostRenderInput): string {
  const lines = input.registry.htpasswd.split(/\r?\n/).filter((l) => l.trim() !== "");
  return `${lines.join("\n")}\n`;
}

export function withNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

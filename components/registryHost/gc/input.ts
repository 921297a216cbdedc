import { resolveRetention, type ResolvedRetention, type RetentionHostInput } from "./retention";

/** Plain inputs for the host's scheduled blob garbage collection (see renderRegistryGc). */
export interface RegistryGcHostInput {
  /** The pinned registry image registry.service runs, e.g. `registry:3.0.0` (a tag or digest; never `latest`). */
  readonly image: string;
  /** Host path of the registry config. Defaults to `/etc/registry/config.yml`. */
  readonly configPath?: string;
  /**
   * Where the config is mounted in the container. Defaults to `/etc/distribution/config.yml` for distribution v3
   * images and `/etc/docker/registry/config.yml` otherwise.
   */
  readonly containerConfigPath?: string;
  /** Host directory holding the registry data. Defaults to `/srv/registry/data`. */
  readonly dataDir?: string;
  /** Where the data directory is mounted in the container. Defaults to `/var/lib/registry`. */
  readonly containerDataDir?: string;
  /** Further read-only mounts the config refers to (e.g. TLS files), same as registry.service. Defaults to none. */
  readonly extraReadOnlyMounts?: readonly { readonly host: string; readonly container: string }[];
  /** systemd `OnCalendar=` of the timer. Defaults to `weekly`. */
  readonly onCalendar?: string;
  /** systemd `RandomizedDelaySec=` of the timer, in seconds. Defaults to 3600. */
  readonly randomizedDelaySec?: number;
  /** The registry's systemd unit. Defaults to `registry.service`. */
  readonly registryUnit?: string;
  /**
   * URL that answers `healthStatus` without credentials when the registry is up, e.g. `https://127.0.0.1:5000/v2/`.
   * Prefer the registry itself over a proxy: after the stop the script waits until nothing answers there (or a
   * proxy answers 502/503/504) before collecting.
   */
  readonly healthUrl: string;
  /** PEM CA file curl trusts for `healthUrl` (the private CA in dev). Defaults to the system trust store. */
  readonly healthCaCertPath?: string;
  /** HTTP status a healthy registry answers at `healthUrl`. Defaults to 401 (auth required, no credentials sent). */
  readonly healthStatus?: number;
  /** Seconds to wait for the registry to stop answering / to become healthy again. Defaults to 60. */
  readonly healthTimeoutSec?: number;
  /**
   * Pass `--delete-untagged` to garbage-collect. Defaults to true for distribution v3 images and false otherwise;
   * true is refused for 2.x images (2.x deletes the platform manifests of multi-arch / OCI indexes).
   */
  readonly deleteUntagged?: boolean;
  /** Path of the GC script on the host. Defaults to `/usr/local/sbin/registry-gc.sh`. */
  readonly scriptPath?: string;
  /** Base name of the systemd service and timer. Defaults to `registry-gc`. */
  readonly unitName?: string;
  /** Lock file that keeps two runs from overlapping. Defaults to `/run/lock/registry-gc.lock`. */
  readonly lockFile?: string;
  /** Name of the GC container. Defaults to `registry-gc`. */
  readonly containerName?: string;
  /** `--network` of the GC container. Defaults to `none` (filesystem storage needs no network; use `host` for S3). */
  readonly containerNetwork?: string;
  /** `TimeoutStartSec=` of the service, in seconds (large registries take long). Defaults to 10800. */
  readonly timeoutSec?: number;
  /**
   * Retention before blob collection (registry-gc in host-side mode, with the protected set; see retention.ts).
   * Defaults to none: blob collection only.
   */
  readonly retention?: RetentionHostInput;
}

/** The input with every default applied and every value validated. */
export interface ResolvedRegistryGcInput extends Required<Omit<RegistryGcHostInput, "healthCaCertPath" | "retention">> {
  readonly healthCaCertPath?: string;
  readonly retention?: ResolvedRetention;
  /** Major version of distribution read from the image tag (undefined when the tag does not tell). */
  readonly distributionMajor?: number;
}

/**
 * Major distribution version from an image reference: `registry:3.0.0` -> 3, `registry:2.8.3` -> 2,
 * `ghcr.io/distribution/distribution:3.0.0-rc.1@sha256:...` -> 3, `registry@sha256:...` -> undefined.
 */
export function distributionMajorVersion(image: string): number | undefined {
  const withoutDigest = image.split("@")[0]!;
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  if (colon <= lastSlash) return undefined;
  const m = /^v?(\d+)(?:[.-]|$)/.exec(withoutDigest.slice(colon + 1));
  return m ? Number(m[1]) : undefined;
}

function absolutePath(name: string, value: string): string {
  if (!value.startsWith("/") || /[\s'"\\$`]/.test(value)) {
    throw new Error(`registry GC: ${name} must be an absolute path without spaces or quotes, got "${value}"`);
  }
  return value;
}

/** The pinned image and its distribution major version; refuses `--delete-untagged` before v3. */
function checkedImage(input: RegistryGcHostInput): { image: string; major: number | undefined; isV3: boolean } {
  const image = input.image.trim();
  const pinned =
    image.includes("@sha256:") || (distributionMajorVersion(image) !== undefined && !/:latest$/.test(image));
  if (!pinned || /[\s'"\\$`]/.test(image)) {
    throw new Error(
      `registry GC: image "${input.image}" is not pinned: use the exact image of registry.service, e.g. registry:3.0.0`,
    );
  }
  const major = distributionMajorVersion(image);
  const isV3 = major !== undefined && major >= 3;
  if (input.deleteUntagged === true && !isV3) {
    throw new Error(
      `registry GC: deleteUntagged is refused for "${image}": distribution 2.x --delete-untagged deletes the platform ` +
        `manifests of multi-arch / OCI indexes (fixed in v3). Use registry:3.x or leave deleteUntagged unset`,
    );
  }
  return { image, major, isV3 };
}

/** Applies defaults and validates; throws an Error saying what is wrong and how to fix it. */
export function resolveRegistryGcInput(input: RegistryGcHostInput): ResolvedRegistryGcInput {
  const { image, major, isV3 } = checkedImage(input);
  const onCalendar = (input.onCalendar ?? "weekly").trim();
  if (onCalendar === "" || /[\n\r]/.test(onCalendar)) {
    throw new Error(`registry GC: onCalendar must be one systemd calendar expression, got "${input.onCalendar}"`);
  }
  const registryUnit = input.registryUnit ?? "registry.service";
  if (!/^[\w@.:-]+\.service$/.test(registryUnit)) {
    throw new Error(
      `registry GC: registryUnit must be a systemd service name like registry.service, got "${registryUnit}"`,
    );
  }
  const unitName = input.unitName ?? "registry-gc";
  if (!/^[\w@.:-]+$/.test(unitName) || unitName.endsWith(".service") || unitName.endsWith(".timer")) {
    throw new Error(`registry GC: unitName must be a bare unit name like registry-gc, got "${unitName}"`);
  }
  let healthUrl: URL;
  try {
    healthUrl = new URL(input.healthUrl);
  } catch {
    throw new Error(`registry GC: healthUrl "${input.healthUrl}" is not a URL (e.g. https://127.0.0.1:5000/v2/)`);
  }
  if (!/^https?:$/.test(healthUrl.protocol) || /[\s'"\\$`]/.test(input.healthUrl)) {
    throw new Error(`registry GC: healthUrl must be a plain http(s) URL, got "${input.healthUrl}"`);
  }
  const whole = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min)
      throw new Error(`registry GC: ${name} must be a whole number >= ${min}, got ${v}`);
    return v;
  };
  const containerName = input.containerName ?? "registry-gc";
  if (!/^[a-zA-Z0-9][\w.-]*$/.test(containerName)) {
    throw new Error(`registry GC: containerName "${containerName}" is not a valid container name`);
  }
  const containerNetwork = input.containerNetwork ?? "none";
  if (!/^[\w.-]+$/.test(containerNetwork)) {
    throw new Error(`registry GC: containerNetwork "${containerNetwork}" is not a docker network name`);
  }
  return {
    image,
    containerNetwork,
    configPath: absolutePath("configPath", input.configPath ?? "/etc/registry/config.yml"),
    containerConfigPath: absolutePath(
      "containerConfigPath",
      input.containerConfigPath ?? (isV3 ? "/etc/distribution/config.yml" : "/etc/docker/registry/config.yml"),
    ),
    dataDir: absolutePath("dataDir", input.dataDir ?? "/srv/registry/data"),
    containerDataDir: absolutePath("containerDataDir", input.containerDataDir ?? "/var/lib/registry"),
    extraReadOnlyMounts: (input.extraReadOnlyMounts ?? []).map((m) => ({
      host: absolutePath("extraReadOnlyMounts.host", m.host),
      container: absolutePath("extraReadOnlyMounts.container", m.container),
    })),
    onCalendar,
    randomizedDelaySec: whole("randomizedDelaySec", input.randomizedDelaySec ?? 3600, 0),
    registryUnit,
    healthUrl: input.healthUrl,
    healthCaCertPath:
      input.healthCaCertPath === undefined ? undefined : absolutePath("healthCaCertPath", input.healthCaCertPath),
    healthStatus: whole("healthStatus", input.healthStatus ?? 401, 100),
    healthTimeoutSec: whole("healthTimeoutSec", input.healthTimeoutSec ?? 60, 1),
    deleteUntagged: input.deleteUntagged ?? isV3,
    scriptPath: absolutePath("scriptPath", input.scriptPath ?? "/usr/local/sbin/registry-gc.sh"),
    unitName,
    lockFile: absolutePath("lockFile", input.lockFile ?? "/run/lock/registry-gc.lock"),
    containerName,
    timeoutSec: whole("timeoutSec", input.timeoutSec ?? 10_800, 60),
    distributionMajor: major,
    ...(input.retention ? { retention: resolveRetention(input.retention, absolutePath) } : {}),
  };
}

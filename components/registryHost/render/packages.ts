import type { HostRenderInput } from "./types";

/**
 * Default pinned versions: the Ubuntu 24.04 (noble) release-pocket builds, which stay in the archive for the life of
 * the release (an -updates build is replaced by the next one and a pin on it would stop resolving). Bump them to the
 * current -updates build (`apt-cache policy docker.io nginx` on the host) to take security fixes: pinned packages are
 * held (`apt-mark hold`) so unattended-upgrades does not move them behind the program's back.
 */
export const DEFAULT_PACKAGE_VERSIONS = {
  /** Ubuntu's Docker engine package. */
  docker: "24.0.7-0ubuntu4",
  nginx: "1.24.0-2ubuntu7",
} as const;

export interface AptPackage {
  name: string;
  /** Empty: the archive's newest version, not held. */
  version: string;
}

/** What install-packages installs: docker.io everywhere, nginx in prod. */
export function aptPackages(input: HostRenderInput): AptPackage[] {
  const versions = { ...DEFAULT_PACKAGE_VERSIONS, ...input.packages };
  const list: AptPackage[] = [{ name: "docker.io", version: versions.docker ?? "" }];
  if (input.composition === "prod") list.push({ name: "nginx", version: versions.nginx ?? "" });
  // The ACME client (Ubuntu universe; Debian 12 has the same 4.9 line): the archive's build, not pinned (docs/acme.md).
  if (input.acme) list.push({ name: "lego", version: "" });
  return list;
}

/** `name=version`, or the bare name when the version is empty. */
export function aptSpec(p: AptPackage): string {
  return p.version ? `${p.name}=${p.version}` : p.name;
}

import type { HostRenderInput } from "./types";

/**
 * What install-packages installs: the Docker engine everywhere, Nginx in prod, and unattended-upgrades. No version
 * pins and no holds: apt installs the current build from the release's -updates/-security pockets, and
 * unattended-upgrades applies security updates to them daily. (An exact pin on a release-pocket build such as
 * `nginx=1.24.0-2ubuntu7` cannot even install once -updates has a newer one: noble's `nginx` depends on
 * `nginx-common (=` its own version`)`, and apt will not step nginx-common back to meet it; a hold keeps the host from
 * security updates.) What must not move is pinned elsewhere: the registry image, by digest (render/image.ts).
 */
export function aptPackages(input: HostRenderInput): string[] {
  return [
    "docker.io",
    ...(input.composition === "prod" ? ["nginx"] : []),
    // The ACME client (Ubuntu universe; Debian 12 has the same 4.9 line): the archive's build, patched like the rest.
    ...(input.acme ? ["lego"] : []),
    "unattended-upgrades",
  ];
}

/** Where install-packages writes the unattended-upgrades settings (after Ubuntu's 20auto-upgrades and 50unattended-upgrades). */
export const AUTO_UPGRADES_PATH = "/etc/apt/apt.conf.d/52startup-infra-unattended-upgrades";

/**
 * Daily package lists and unattended upgrades from the security pocket. Ubuntu's own files usually say the same; this
 * makes it true on any image. apt appends list options across files, so the origin is added, never replaced.
 * Upgrades keep changed configuration files (unattended-upgrades passes --force-confdef/--force-confold): our
 * nginx.conf stays; the registry container comes back through registry.service (Restart=always) after a Docker
 * engine upgrade restarts the daemon.
 */
export function renderAutoUpgradesConf(): string {
  return `// Managed by startup-infra (RegistryHost): security updates, Docker engine and Nginx included, install daily.
APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
Unattended-Upgrade::Allowed-Origins {
        "\${distro_id}:\${distro_codename}-security";
};
`;
}

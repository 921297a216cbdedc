import type { HostFile } from "../../hostFile";
import { CONTAINER_PATHS, HOST_PATHS, REGISTRY_CONTAINER_NAME } from "./paths";
import type { HostRenderInput } from "./types";

/**
 * `registry.service`: a foreground `docker run --rm` supervised by systemd (Restart=always) rather than
 * `docker run -d --restart=always`: systemd orders it after the data volume's mount (RequiresMountsFor), restarts it
 * exactly like any other service, and `systemctl restart registry` is the one way to pick up new files. The image is
 * pulled only when missing (a pinned tag does not move), so a restart never depends on Docker Hub.
 */
export function renderRegistryUnit(input: HostRenderInput): string {
  const image = input.registry.image;
  const publish =
    input.composition === "prod"
      ? `127.0.0.1:${input.registry.port}:${CONTAINER_PATHS.port}`
      : `${input.registry.port}:${CONTAINER_PATHS.port}`;
  const run = [
    "/usr/bin/docker run --rm --name",
    REGISTRY_CONTAINER_NAME,
    "--pull=never",
    // Docker's default json-file log driver never rotates; the journal does.
    "--log-driver=journald",
    "--read-only --tmpfs /tmp",
    "--cap-drop=ALL --security-opt=no-new-privileges",
    `--publish ${publish}`,
    `--volume ${HOST_PATHS.registryDir}:${CONTAINER_PATHS.configDir}:ro`,
    `--volume ${HOST_PATHS.dataDir}:${CONTAINER_PATHS.data}`,
    image,
  ].join(" ");
  return `# Managed by startup-infra (RegistryHost): changes made here are overwritten on the next deploy.
[Unit]
Description=Private Docker registry (${image})
Documentation=https://distribution.github.io/distribution/about/configuration/
Requires=docker.service
After=docker.service network-online.target
Wants=network-online.target
RequiresMountsFor=${HOST_PATHS.dataDir}

[Service]
Type=simple
Restart=always
RestartSec=5s
# The first start may pull the image.
TimeoutStartSec=15min
TimeoutStopSec=60s
ExecStartPre=-/usr/bin/docker rm --force ${REGISTRY_CONTAINER_NAME}
ExecStartPre=/bin/sh -c 'docker image inspect ${image} >/dev/null 2>&1 || exec docker pull ${image}'
ExecStart=${run}
ExecStop=/usr/bin/docker stop --time 30 ${REGISTRY_CONTAINER_NAME}

[Install]
WantedBy=multi-user.target
`;
}

export function renderRegistryUnitFile(input: HostRenderInput): HostFile {
  return { path: HOST_PATHS.registryUnit, content: renderRegistryUnit(input), mode: "0644", secret: false };
}

/**
 * TEMPORARY stand-in for `renderProvisionPlan` (components/registryHost/render/index.ts, owned by the renderer work),
 * so the component and its tests run before the renderers land. Minimal on purpose: the registry's config, TLS files,
 * htpasswd and unit, the data volume mount, no Nginx. Delete it once render/index.ts exists and stacks/host.ts
 * imports the real renderer.
 */
import type { HostFile } from "../hostFile";
import type { HostRenderInput, ProvisionPlan } from "./render/types";

export function renderProvisionPlanFallback(input: HostRenderInput): ProvisionPlan {
  const dev = input.composition === "dev";
  const listen = dev ? `0.0.0.0:${input.registry.port}` : `127.0.0.1:${input.registry.port}`;
  const tlsBlock = dev
    ? `  tls:\n    certificate: /etc/distribution/tls.crt\n    key: /etc/distribution/tls.key\n`
    : "";
  const config =
    `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/registry\n  delete:\n    enabled: true\n` +
    `http:\n  addr: 0.0.0.0:5000\n${tlsBlock}auth:\n  htpasswd:\n    realm: registry\n    path: /etc/distribution/htpasswd\n`;
  const unit =
    `[Unit]\nDescription=Docker registry\nAfter=docker.service srv-registry.mount\nRequires=docker.service\n\n` +
    `[Service]\nExecStart=/usr/bin/docker run --rm --name registry -p ${listen}:5000 ` +
    `-v /etc/registry/config.yml:/etc/distribution/config.yml:ro -v /etc/registry/htpasswd:/etc/distribution/htpasswd:ro ` +
    `-v /etc/registry/tls.crt:/etc/distribution/tls.crt:ro -v /etc/registry/tls.key:/etc/distribution/tls.key:ro ` +
    `-v /srv/registry/data:/var/lib/registry ${input.registry.image}\nExecStop=/usr/bin/docker stop registry\n` +
    `Restart=always\n\n[Install]\nWantedBy=multi-user.target\n`;
  const files: HostFile[] = [
    { path: "/etc/registry/config.yml", content: config, mode: "0644", secret: false },
    { path: "/etc/registry/htpasswd", content: input.registry.htpasswd, mode: "0600", secret: true },
    { path: "/etc/registry/tls.crt", content: input.tls.certificatePem, mode: "0644", secret: false },
    { path: "/etc/registry/tls.key", content: input.tls.privateKeyPem, mode: "0600", secret: true },
    { path: "/etc/systemd/system/registry.service", content: unit, mode: "0644", secret: false },
  ];
  if (input.tls.caCertificatePem) {
    files.push({ path: "/etc/registry/ca.crt", content: input.tls.caCertificatePem, mode: "0644", secret: false });
  }
  const bundle = files.map((f) => `${f.path} ${f.mode} ${Buffer.from(f.content).toString("base64")}\n`).join("");
  const mount =
    `set -eu\ndev=${input.dataVolumeDevice}\nwhile [ ! -e "$dev" ]; do sleep 2; done\n` +
    `blkid "$dev" >/dev/null || mkfs.ext4 -L registry-data "$dev"\nmkdir -p /srv/registry\n` +
    `grep -q "^$dev " /etc/fstab || echo "$dev /srv/registry ext4 defaults,nofail 0 2" >> /etc/fstab\n` +
    `mountpoint -q /srv/registry || mount /srv/registry\nmkdir -p /srv/registry/data\n`;
  return {
    files,
    steps: [
      { name: "wait-ready", command: "cloud-init status --wait >/dev/null || [ $? -eq 2 ]", runsInTests: false },
      {
        name: "install-packages",
        command: "sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io",
        runsInTests: false,
      },
      { name: "mount-data", command: "sudo bash -s", stdin: mount, runsInTests: false },
      {
        name: "install-files",
        command:
          'sudo bash -c \'set -eu; while read -r p m d; do install -D -m "$m" /dev/null "$p"; echo "$d" | base64 -d > "$p"; done; ' +
          "systemctl daemon-reload; systemctl enable registry.service; systemctl restart registry.service'",
        stdin: bundle,
        runsInTests: false,
      },
    ],
  };
}

/** Names and paths derived from the host's resources (pure). */

/** Device name the data volume is attached as; on Nitro instances the kernel names it by volume id instead. */
export const DATA_VOLUME_DEVICE_NAME = "/dev/sdf";

/**
 * The stable path of an EBS volume on a Nitro instance: `/dev/sdf` becomes an NVMe device whose number depends on
 * attach order, but udev links it by serial, which is the volume id without its dash.
 */
export function dataVolumeDevicePath(volumeId: string): string {
  if (!/^vol-[0-9a-f]+$/.test(volumeId)) throw new Error(`"${volumeId}" is not an EBS volume id (vol-...)`);
  return `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volumeId.replace("-", "")}`;
}

/**
 * The `host[:port]` Docker clients use (docs/CONTRACTS.md `registryAddress`): the registry's DNS name when it has one
 * (prod: behind Nginx on 443, so no port), otherwise the Elastic IP and the registry port (dev).
 */
export function registryAddressOf(args: { publicIp: string; hostName?: string; port?: number }): string {
  const host = args.hostName ?? args.publicIp;
  return args.port === undefined ? host : `${host}:${args.port}`;
}

/** How an admin logs in. With a generated key: first save it with `pulumi stack output --show-secrets sshPrivateKey`. */
export function sshCommandOf(args: { user: string; publicIp: string; keyFile?: string }): string {
  return args.keyFile ? `ssh -i ${args.keyFile} ${args.user}@${args.publicIp}` : `ssh ${args.user}@${args.publicIp}`;
}

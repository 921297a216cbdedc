import type { StackSecrets } from "./config/load";
import type { StackConfig } from "./config/parse";
import { compose, type StackResult } from "./compose";

/**
 * prod: Nginx terminates TLS on 80/443 per subdomain with the purchased certificate, the registry listens on
 * loopback only, RDS is protected (deletion protection, backups, final snapshot, `protect`), flow logs on.
 */
export function prodStack(config: StackConfig, secrets: StackSecrets): StackResult {
  return compose(config, secrets, { nginx: true, apiGateway: false, directRegistryPort: false });
}

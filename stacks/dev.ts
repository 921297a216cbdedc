import type { StackSecrets } from "./config/load";
import type { StackConfig } from "./config/parse";
import { compose, type StackResult } from "./compose";

/**
 * dev: cheap and disposable. One public subnet, free-tier RDS, no Nginx: the registry serves its own TLS
 * (self-signed CA, SAN = the Elastic IP) on its port, and only the API gateway port is opened for the apps.
 */
export function devStack(config: StackConfig, secrets: StackSecrets): StackResult {
  return compose(config, secrets, { nginx: false, apiGateway: true, directRegistryPort: true });
}

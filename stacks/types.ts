// The shapes the stack modules share. They live apart from compose.ts so that the parts it composes (host.ts,
// monitoring.ts, azure.ts) can name them without importing the composition back.
import type * as pulumi from "@pulumi/pulumi";
import type { HostFile } from "../components/hostFile";

/** How a composition shapes the host (the only place dev and prod differ in structure; sizes come from config). */
export interface HostShape {
  /** Prod: Nginx terminates TLS on 80/443 and the registry listens on loopback only. */
  nginx: boolean;
  /** Dev: the API gateway port is opened. */
  apiGateway: boolean;
  /** Dev: the registry port is reachable directly (TLS + basic auth), from `host.registryAllowedCidrs`. */
  directRegistryPort: boolean;
}

/** What a composition hands back: the stack outputs and, for the offline plan, the files shipped to hosts. */
export interface StackResult {
  outputs: Record<string, pulumi.Input<unknown>>;
  /** Every file shipped to a host, as shipped. */
  hostFiles: pulumi.Output<HostFile[]>;
  /** What each app's deploy renders (`<app>/deploy.sh`, `<app>/env` with secrets masked); absent without apps. */
  appFiles?: pulumi.Output<HostFile[]>;
}

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { hostKeyCloudConfig, type HostKeyUserDataInput, installHostKeySource } from "../hostKey/userData";
import { stripShellComments } from "./stripComments";

/** EC2 refuses user data over 16 KB (raw, before base64): the rendered cloud-config must stay under it. */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

/** The metadata-service firewall as written (plain bash beside this file), with its comments. */
export function imdsFirewallSource(): string {
  return readFileSync(join(__dirname, "imds-firewall.bash"), "utf8");
}

/** The firewall script as it ships in user data (and as the host keeps it): comments and blank lines stripped. */
export function imdsFirewallScript(): string {
  return stripShellComments(imdsFirewallSource());
}

/** The boot scripts as written (with comments); what ships is derived from them. */
export interface BootScriptSources {
  imdsFirewall: string;
  installHostKey: string;
}

export function bootScriptSources(): BootScriptSources {
  return { imdsFirewall: imdsFirewallSource(), installHostKey: installHostKeySource() };
}

export interface BootUserDataInput {
  /**
   * Users besides root that may reach the instance metadata service (the role's credentials), e.g. the CloudWatch
   * agent's `cwagent`. A user that does not exist yet is admitted once the firewall runs again after it is created.
   */
  imdsUsers: string[];
  /** The generated host key's parameter and region. Defaults to none (a pinned or unverified host key). */
  hostKey?: HostKeyUserDataInput;
}

/**
 * The instance's user data: a cloud-config whose `bootcmd` (every boot, in cloud-init's network stage, before sshd
 * and before the services that wait for network-online.target) first shuts every non-admitted process out of the
 * metadata service, then installs the pinned SSH host key. No secret: scripts, user names, the parameter's name and
 * the region. Scripts ship without comments, so only a change of behaviour changes user data (which stops and starts
 * the instance).
 */
export function renderBootUserData(input: BootUserDataInput, sources: BootScriptSources = bootScriptSources()): string {
  for (const user of input.imdsUsers) {
    if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) {
      throw new Error(`imdsUsers: ${JSON.stringify(user)} is not a user name`);
    }
  }
  const firewall = ["bash", "-c", stripShellComments(sources.imdsFirewall), "imds-firewall", ...input.imdsUsers];
  const hostKey = input.hostKey
    ? hostKeyCloudConfig(input.hostKey, stripShellComments(sources.installHostKey))
    : undefined;
  const config = {
    ...(hostKey ? { ssh_deletekeys: hostKey.ssh_deletekeys, ssh_genkeytypes: hostKey.ssh_genkeytypes } : {}),
    bootcmd: [firewall, ...(hostKey?.bootcmd ?? [])],
  };
  const text = `#cloud-config\n${stringify(config, { lineWidth: 0 })}`;
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > USER_DATA_LIMIT_BYTES) {
    throw new Error(`user data is ${bytes} bytes; EC2 accepts at most ${USER_DATA_LIMIT_BYTES}`);
  }
  return text;
}

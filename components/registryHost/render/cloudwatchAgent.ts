import { renderAgentConfigFile } from "../../monitoring/agentConfig";
import type { HostFile } from "../../hostFile";
import { SERVICE_ACCOUNTS } from "./accounts";
import { HOST_PATHS } from "./paths";

/**
 * The CloudWatch agent is not in Ubuntu's archive: AWS publishes a .deb per version and architecture on S3, with a
 * detached GPG signature (`.deb.sig`) made by AWS's CloudWatch agent key. The install step downloads the pinned
 * version, imports the published key into a throwaway keyring, refuses it unless its fingerprint is the one pinned
 * here (AWS's "Verifying the signature of the CloudWatch agent package" page), verifies the signature, and only then
 * installs. Bump `version` to move (the amazon-cloudwatch-agent release notes list the versions).
 */
export const CLOUDWATCH_AGENT = {
  /**
   * The agent's full build id, which names the folder of every versioned download on AWS's S3 (`1.<n>.<p>b<build>`:
   * e.g. `ubuntu/amd64/1.300072.0b1766/`, `debian/amd64/1.300040.0b650/`, `amazon_linux/amd64/1.300031.0b313/`); the
   * GitHub tag alone (`v1.300071.0`) names no folder. AWS's Elastic Beanstalk release notes of 2026-08-18 ("Updated
   * the CloudWatch Agent to version 1.300071.0b1720", linking release v1.300071.0) give this release's build id.
   */
  version: "1.300071.0b1720",
  /** `https://amazoncloudwatch-agent.s3.amazonaws.com/ubuntu/<arch>/<version>/amazon-cloudwatch-agent.deb`. */
  baseUrl: "https://amazoncloudwatch-agent.s3.amazonaws.com",
  /** The published signing key (armored) and its fingerprint, as AWS documents it. */
  keyUrl: "https://amazoncloudwatch-agent.s3.amazonaws.com/assets/amazon-cloudwatch-agent.gpg",
  keyFingerprint: "937616F3450B7D806CBD9725D58167303B789C72",
} as const;

/**
 * The package the install step downloads for a dpkg architecture, exactly as the script builds it
 * (`$AGENT_BASE_URL/ubuntu/$arch/$AGENT_VERSION/amazon-cloudwatch-agent.deb`); the signature is this URL + `.sig`.
 */
export function cloudwatchAgentDebUrl(
  arch: "amd64" | "arm64",
  pins: { baseUrl: string; version: string } = CLOUDWATCH_AGENT,
): string {
  return `${pins.baseUrl}/ubuntu/${arch}/${pins.version}/amazon-cloudwatch-agent.deb`;
}

/** The agent's config on the host: the data volume's fill level and memory use, nothing else. */
export function renderCloudwatchAgentFile(): HostFile {
  return {
    path: HOST_PATHS.cloudwatchAgentConfig,
    content: renderAgentConfigFile({ dataMount: HOST_PATHS.dataMount }),
    mode: "0644",
    secret: false,
    // amazon-cloudwatch-agent-ctl (root) loads it; the agent (cwagent) reads its translation in the same directory.
    readers: [SERVICE_ACCOUNTS.root, SERVICE_ACCOUNTS.cloudwatchAgent],
  };
}

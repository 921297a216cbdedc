/**
 * The CloudWatch agent's configuration (its JSON schema: amazon-cloudwatch-agent `translator/config/schema.json`,
 * a copy in tests/fixtures/cloudwatch-agent-schema.json validates this renderer's output). Only two metrics leave the
 * host: the data volume's fill level and memory use; CPU, network and status checks already come from EC2 itself.
 */

/** Where the agent publishes; the instance role may put metrics into this namespace only. */
export const AGENT_NAMESPACE = "startup-infra/host";

/**
 * The user the agent runs as (created by the agent's package). It reads the instance role's credentials from the
 * metadata service, so the host's metadata firewall admits it (boot/imds-firewall.bash).
 */
export const AGENT_USER = "cwagent";

/** The metric names the agent publishes (the disk plugin prefixes `disk_`, the mem plugin names its own). */
export const AGENT_METRICS = { diskUsedPercent: "disk_used_percent", memUsedPercent: "mem_used_percent" } as const;

export interface AgentConfigInput {
  /** Mount point of the registry's data volume, e.g. /srv/registry. */
  dataMount: string;
  /** Collection interval in seconds. Defaults to 60 (alarms evaluate 5-minute periods). */
  intervalSeconds?: number;
}

/**
 * The agent's JSON config. Dimensions are pinned so the alarms can name them exactly: every metric carries
 * `InstanceId` (appended), the disk metric also `path` and `fstype` (`drop_device` removes the device name, which
 * differs between instance types: nvme1n1 vs xvdf).
 */
export function renderAgentConfig(input: AgentConfigInput): Record<string, unknown> {
  const interval = input.intervalSeconds ?? 60;
  return {
    agent: {
      metrics_collection_interval: interval,
      // The agent runs as this user (created by the package): no root needed to read /proc and statfs.
      run_as_user: AGENT_USER,
      logfile: "/opt/aws/amazon-cloudwatch-agent/logs/amazon-cloudwatch-agent.log",
    },
    metrics: {
      namespace: AGENT_NAMESPACE,
      append_dimensions: { InstanceId: "${aws:InstanceId}" },
      metrics_collected: {
        disk: {
          measurement: ["used_percent"],
          resources: [input.dataMount],
          drop_device: true,
          metrics_collection_interval: interval,
        },
        mem: {
          measurement: ["mem_used_percent"],
          metrics_collection_interval: interval,
        },
      },
    },
  };
}

/** The config file as shipped: stable key order, two-space indent, trailing newline. */
export function renderAgentConfigFile(input: AgentConfigInput): string {
  return `${JSON.stringify(renderAgentConfig(input), null, 2)}\n`;
}

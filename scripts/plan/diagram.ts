import { CHART_HEADER } from "./traffic";
import type { PlannedResource } from "./types";

/** Resource types worth a box in the architecture picture, with their label. */
const SHOWN: Record<string, string> = {
  "aws:ec2/vpc:Vpc": "VPC",
  "aws:ec2/subnet:Subnet": "Subnet",
  "aws:ec2/internetGateway:InternetGateway": "Internet gateway",
  "aws:ec2/flowLog:FlowLog": "Flow logs",
  "aws:ec2/securityGroup:SecurityGroup": "Security group",
  "aws:ec2/instance:Instance": "EC2 host",
  "aws:ec2/eip:Eip": "Elastic IP",
  "aws:ebs/volume:Volume": "EBS data volume",
  "aws:rds/instance:Instance": "RDS",
  "aws:route53/zone:Zone": "Route53 zone",
  "azure-native:dns:Zone": "Azure DNS zone",
  "azure-native:storage:StorageAccount": "Storage account",
  "azure-native:keyvault:Vault": "Key Vault",
  "command:remote:Command": "SSH step",
  "aws:cloudwatch/metricAlarm:MetricAlarm": "CloudWatch alarm",
  "aws:sns/topic:Topic": "SNS alert topic",
  "aws:dlm/lifecyclePolicy:LifecyclePolicy": "Snapshot policy (DLM)",
};

/**
 * A Mermaid flowchart of the stack: one box per component (the program's own `startup:` types) holding its notable
 * resources, and an arrow A --> B when something in A depends on something in B. Deterministic: same plan, same text.
 */
export function renderArchitecture(stack: string, resources: PlannedResource[]): string {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const componentOf = (r: PlannedResource): PlannedResource | undefined => {
    let current: PlannedResource | undefined = r;
    let found: PlannedResource | undefined;
    while (current) {
      if (current.type.startsWith("startup:")) found = current;
      current = current.parent ? byUrn.get(current.parent) : undefined;
    }
    return found;
  };
  const id = (r: PlannedResource) => r.name.replace(/[^A-Za-z0-9]/g, "_");
  const components = resources.filter((r) => r.type.startsWith("startup:") && componentOf(r) === r);

  const users = `${stack}_users`;
  const lines = [
    ...CHART_HEADER,
    `  %% ${stack} stack, generated from the offline plan (npm run plan -- --stack ${stack})`,
    `  subgraph ${stack}_dependencies["${stack} stack: an arrow means depends on"]`,
  ];
  lines.push(`  ${users}(["Users / CI"])`);
  for (const c of components) {
    lines.push(`  subgraph ${id(c)}["${c.type.split(":").pop()} (${c.name})"]`);
    const counts = new Map<string, number>();
    for (const r of resources) {
      if (r.custom && SHOWN[r.type] && componentOf(r) === c)
        counts.set(SHOWN[r.type]!, (counts.get(SHOWN[r.type]!) ?? 0) + 1);
    }
    let i = 0;
    for (const [label, n] of [...counts.entries()].sort()) {
      lines.push(`    ${id(c)}_${i++}["${label}${n > 1 ? ` x${n}` : ""}"]`);
    }
    if (counts.size === 0) lines.push(`    ${id(c)}_0["(no notable resources)"]`);
    lines.push("  end");
  }
  const edges = new Set<string>();
  for (const r of resources) {
    const from = componentOf(r);
    if (!from) continue;
    for (const dep of r.dependsOn) {
      const d = byUrn.get(dep);
      const to = d && componentOf(d);
      if (to && to !== from) edges.add(`  ${id(from)} --> ${id(to)}`);
    }
  }
  lines.push(...[...edges].sort());
  const entry =
    components.find((c) => c.type === "startup:aws:RegistryHost") ??
    components.find((c) => c.type === "startup:dns:DnsZone");
  if (entry) lines.push(`  ${users} --> ${id(entry)}`);
  lines.push("  end");
  return lines.join("\n") + "\n";
}

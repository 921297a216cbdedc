// The CloudWatch agent's rendered config, validated against the agent's own JSON schema (a pinned copy, see
// tests/fixtures/cloudwatch-agent-schema.md), the instance role's put-metric policy (least privilege), and the
// agent's install step as rendered.
import Ajv from "ajv";
import draft04 from "ajv/lib/refs/json-schema-draft-04.json";
import { describe, expect, it } from "vitest";
import schema from "../fixtures/cloudwatch-agent-schema.json";
import {
  AGENT_METRICS,
  AGENT_NAMESPACE,
  renderAgentConfig,
  renderAgentConfigFile,
} from "../../components/monitoring/agentConfig";
import { agentPolicyDocument } from "../../components/monitoring/agentPolicy";
import { ec2TrustPolicy } from "../../components/registryHost/instanceRole";
import {
  CLOUDWATCH_AGENT,
  cloudwatchAgentDebUrl,
  HOST_PATHS,
  renderProvisionPlan,
} from "../../components/registryHost/render/index";
import { sampleInput } from "../integration/support/host-input";

function validator() {
  const ajv = new Ajv({ schemaId: "auto", allErrors: true, unknownFormats: "ignore" });
  ajv.addMetaSchema(draft04);
  return ajv.compile(schema);
}

describe("CloudWatch agent config", () => {
  const validate = validator();
  const config = renderAgentConfig({ dataMount: "/srv/registry" });

  it("is valid by the agent's own schema", () => {
    const ok = validate(config);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("the schema rejects what the agent would refuse (the check can fail)", () => {
    const broken = structuredClone(config) as { metrics: { metrics_collected: { disk: Record<string, unknown> } } };
    broken.metrics.metrics_collected.disk.measurement = [];
    broken.metrics.metrics_collected.disk.drop_device = "yes";
    expect(validate(broken)).toBe(false);
    expect(validate({ agent: { metrics_collection_interval: "often" } })).toBe(false);
  });

  it("publishes only the data volume's fill level and memory use, in its own namespace, per instance", () => {
    expect(config).toMatchObject({
      metrics: {
        namespace: AGENT_NAMESPACE,
        append_dimensions: { InstanceId: "${aws:InstanceId}" },
        metrics_collected: {
          disk: { measurement: ["used_percent"], resources: ["/srv/registry"], drop_device: true },
          mem: { measurement: [AGENT_METRICS.memUsedPercent] },
        },
      },
    });
    expect(Object.keys((config.metrics as { metrics_collected: object }).metrics_collected)).toEqual(["disk", "mem"]);
    expect(renderAgentConfigFile({ dataMount: "/srv/registry" })).toBe(`${JSON.stringify(config, null, 2)}\n`);
  });

  it("ships on the host as a plain file and its own step installs and loads it", () => {
    const plan = renderProvisionPlan(sampleInput("prod"));
    const file = plan.files.find((f) => f.path === HOST_PATHS.cloudwatchAgentConfig)!;
    expect(file).toMatchObject({ mode: "0644", secret: false });
    expect(JSON.parse(file.content)).toEqual(renderAgentConfig({ dataMount: HOST_PATHS.dataMount }));
    const step = plan.steps.find((s) => s.name === "install-cloudwatch-agent")!;
    expect(step.stdin).toContain(`readonly AGENT_VERSION='${CLOUDWATCH_AGENT.version}'`);
    expect(step.stdin).toContain(`readonly AGENT_KEY_FINGERPRINT='${CLOUDWATCH_AGENT.keyFingerprint}'`);
    expect(step.stdin).toContain(`readonly AGENT_CONFIG='${HOST_PATHS.cloudwatchAgentConfig}'`);
    expect(step.stdin).toMatch(/gpg --batch --status-fd 1 --verify/);
    expect(step.stdin).toMatch(/fetch-config -m ec2 -s -c "file:\$config"/);
    // Last step: a change of the agent's pin or config re-runs it alone, never the registry's steps.
    expect(plan.steps.at(-1)!.name).toBe("install-cloudwatch-agent");
  });

  it("pins a 40-hex-digit key fingerprint and an exact version (never latest)", () => {
    expect(CLOUDWATCH_AGENT.keyFingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(CLOUDWATCH_AGENT.version).toMatch(AGENT_BUILD_ID);
  });

  it("downloads from a folder named by the full build id, the form of every versioned URL AWS publishes", () => {
    // The regexes first prove themselves on real published URLs (public scripts and Elastic Beanstalk release notes
    // pin these), and refuse the forms that name no folder: the bare release tag and `latest`.
    for (const url of PUBLISHED_AGENT_URLS) expect(url).toMatch(AGENT_URL);
    for (const folder of ["1.300071.0", "v1.300071.0", "latest", "1.300071.0b"])
      expect(folder).not.toMatch(AGENT_BUILD_ID);
    for (const arch of ["amd64", "arm64"] as const) {
      const url = cloudwatchAgentDebUrl(arch);
      expect(url).toMatch(AGENT_URL);
      expect(url).toBe(
        `https://amazoncloudwatch-agent.s3.amazonaws.com/ubuntu/${arch}/1.300071.0b1720/amazon-cloudwatch-agent.deb`,
      );
    }
    // The script builds the same URL from the same pins.
    const step = renderProvisionPlan(sampleInput("prod")).steps.find((s) => s.name === "install-cloudwatch-agent")!;
    expect(step.stdin).toContain('local url="$AGENT_BASE_URL/ubuntu/$arch/$AGENT_VERSION/amazon-cloudwatch-agent.deb"');
    expect(step.stdin).toContain(`readonly AGENT_BASE_URL='${CLOUDWATCH_AGENT.baseUrl}'`);
  });
});

/**
 * The agent's build id (`1.<release>.<patch>b<build>`), the folder of each versioned download. Derived from the
 * URLs below.
 */
const AGENT_BUILD_ID = /^\d+\.\d+\.\d+b\d+$/;
/** A versioned agent package on AWS's S3 (global or regional bucket). */
const AGENT_URL =
  /^https:\/\/amazoncloudwatch-agent(-[a-z0-9-]+\.s3\.[a-z0-9-]+)?(\.s3)?\.amazonaws\.com\/(ubuntu|debian|amazon_linux|redhat)\/(amd64|arm64)\/\d+\.\d+\.\d+b\d+\/amazon-cloudwatch-agent\.(deb|rpm)$/;
/** Versioned download URLs as published and used (public install scripts, Packer templates, runbooks). */
const PUBLISHED_AGENT_URLS = [
  "https://amazoncloudwatch-agent.s3.amazonaws.com/ubuntu/amd64/1.300072.0b1766/amazon-cloudwatch-agent.deb",
  "https://amazoncloudwatch-agent.s3.amazonaws.com/ubuntu/amd64/1.300057.0b252/amazon-cloudwatch-agent.deb",
  "https://amazoncloudwatch-agent.s3.amazonaws.com/debian/amd64/1.300040.0b650/amazon-cloudwatch-agent.deb",
  "https://amazoncloudwatch-agent.s3.amazonaws.com/amazon_linux/arm64/1.300072.0b1766/amazon-cloudwatch-agent.rpm",
  "https://amazoncloudwatch-agent-us-east-1.s3.us-east-1.amazonaws.com/amazon_linux/amd64/1.300031.0b313/amazon-cloudwatch-agent.rpm",
  "https://amazoncloudwatch-agent-sa-east-1.s3.sa-east-1.amazonaws.com/ubuntu/arm64/1.300073.2b1889/amazon-cloudwatch-agent.deb",
];

describe("instance role permissions (least privilege)", () => {
  it("only PutMetricData, only into the agent's namespace", () => {
    expect(agentPolicyDocument()).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "PutHostMetrics",
          Effect: "Allow",
          Action: "cloudwatch:PutMetricData",
          Resource: "*",
          Condition: { StringEquals: { "cloudwatch:namespace": AGENT_NAMESPACE } },
        },
      ],
    });
  });

  it("the role is assumable by EC2 only", () => {
    expect(ec2TrustPolicy()).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
  });
});

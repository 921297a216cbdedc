// The AWS API check itself (docs/aws-api-rules.md): the table of API members (policy/lib/awsApiMembers.ts) against
// botocore's models, the translation of botocore's Java patterns, the check over hand-made plans, and the coverage
// of the config examples. The checks over the stacks' plans are in aws-api-rules-{dev,prod,examples-*}.test.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { AWS_API_MEMBERS } from "../../policy/lib/awsApiMembers";
import { PROVIDER_CONSTRAINTS } from "../../policy/lib/constraints";
import type { PlannedResource } from "../../scripts/plan/types";
import { checkPlan } from "./support/awsApiCheck";
import { AWS_SECTIONS, EXAMPLE_RUNS } from "./support/awsApiRules";
import { ruleProblem, translatePattern } from "./support/awsPatterns";
import { botocore, resolveMember, type Botocore } from "./support/botocore";
import { sectionKeys } from "./support/configExamples";
import { PROJECT_DIR } from "./support/runStack";

let models: Botocore;
beforeAll(() => {
  models = botocore();
});

const rows = Object.entries(AWS_API_MEMBERS).flatMap(([type, map]) =>
  Object.entries(map.members).map(([input, ref]) => ({ type, input, service: map.service, ref })),
);

describe("the table of API members", () => {
  it("reads the botocore release pinned in scripts/test/ensure-botocore.sh", () => {
    const pinned = readFileSync(join(PROJECT_DIR, "scripts/test/ensure-botocore.sh"), "utf8").match(
      /^readonly BOTOCORE_VERSION=(\S+)$/m,
    )?.[1];
    expect(models.version).toBe(pinned);
    const exempt = Object.values(AWS_API_MEMBERS).reduce((n, m) => n + Object.keys(m.exempt ?? {}).length, 0);
    console.log(
      `AWS API members: botocore ${models.version}; ${Object.keys(AWS_API_MEMBERS).length} resource types, ` +
        `${rows.length} inputs mapped to API members, ${exempt} exempt with a reason`,
    );
  });

  it("maps every input to a member botocore's model has, of a string or blob shape, with a pattern JavaScript runs", () => {
    const problems: string[] = [];
    for (const { type, input, service, ref } of rows) {
      const [operation, path] = ref.split(" ") as [string, string];
      try {
        const m = resolveMember(models.model(service), operation, path);
        if (!["string", "blob"].includes(m.shape.type)) problems.push(`${type} ${input}: ${ref} is a ${m.shape.type}`);
        const t = m.shape.pattern === undefined ? undefined : translatePattern(m.shape.pattern);
        if (t && "untranslatable" in t) problems.push(`${type} ${input}: ${t.untranslatable}`);
      } catch (e) {
        problems.push(`${type} ${input}: ${(e as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
    expect(rows.length).toBeGreaterThan(150);
  });

  it("keeps a hand-written AWS rule (policy/lib/constraints.ts) only where botocore's model has no pattern", () => {
    const aws = PROVIDER_CONSTRAINTS.filter((c) => !c.id.startsWith("azure-"));
    expect(aws.length).toBeGreaterThan(0);
    for (const c of aws) {
      expect(c.botocore, c.id).toBeDefined();
      const [service, operation, path] = c.botocore!.split(" ") as [string, string, string];
      expect(resolveMember(models.model(service), operation, path).shape.pattern, c.id).toBeUndefined();
    }
  });
});

describe("botocore's Java patterns in JavaScript", () => {
  it("match the whole value, as the services and the AWS provider do", () => {
    const dlm = models.model("dlm");
    const description = resolveMember(dlm, "CreateLifecyclePolicy", "Description").shape;
    const schedule = resolveMember(dlm, "CreateLifecyclePolicy", "PolicyDetails.Schedules[].Name").shape;
    expect(ruleProblem(description, "prod: daily registry data volume snapshots")).toMatch(/does not match/);
    expect(ruleProblem(schedule, "daily, keep 7")).toMatch(/does not match/);
    expect(ruleProblem(description, "prod registry data volume daily snapshots")).toBeUndefined();
    expect(ruleProblem(schedule, "daily keep 7")).toBeUndefined();
  });

  it("translate \\p{all}, Java's POSIX classes and \\z; refuse possessive quantifiers and atomic groups", () => {
    const ok = (p: string) => {
      const t = translatePattern(p);
      if ("untranslatable" in t) throw new Error(t.untranslatable);
      return t.regex;
    };
    expect(ok("[\\p{all}]*").test("anything: \u00e9\n\u{1F600}")).toBe(true);
    expect(ok("\\p{all}+").test("x")).toBe(true);
    expect(ok("\\p{Alnum}+").test("abc123")).toBe(true);
    expect(ok("\\p{Alnum}+").test("\u00e9")).toBe(false);
    expect(ok("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*").test("caf\u00e9 1")).toBe(true);
    expect(ok("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*").test("a#b")).toBe(false);
    expect(ok("abc\\z").test("abc")).toBe(true);
    expect(translatePattern("[a-z]++")).toHaveProperty("untranslatable");
    expect(translatePattern("(?>ab)c")).toHaveProperty("untranslatable");
    expect(ruleProblem({ pattern: "a*+" }, "a")).toMatch(/cannot be judged/);
  });

  it("check length and enum too", () => {
    expect(ruleProblem({ min: 1, max: 3 }, "")).toMatch(/min 1/);
    expect(ruleProblem({ min: 1, max: 3 }, "abcd")).toMatch(/max 3/);
    expect(ruleProblem({ enum: ["ENABLED", "DISABLED"] }, "enabled")).toMatch(/not one of/);
  });
});

describe("the check over a plan", () => {
  const resource = (type: string, name: string, inputs: Record<string, unknown>): PlannedResource =>
    ({ urn: `urn:${name}`, type, name, parent: "", inputs, dependsOn: [] }) as unknown as PlannedResource;
  const provider = resource("pulumi:providers:aws", "aws", {
    region: "ap-northeast-2",
    defaultTags: JSON.stringify({ tags: { Project: "startup-infra" } }),
  });

  it("refuses what the APIs refuse: DLM text, an auto-named IAM role over 64, a log group tag with #", () => {
    const result = checkPlan(
      [
        provider,
        resource("aws:dlm/lifecyclePolicy:LifecyclePolicy", "snap", {
          description: "prod: daily",
          executionRoleArn: "arn:aws:iam::123456789012:role/dlm",
          state: "ENABLED",
          policyDetails: { schedules: [{ name: "daily, keep 7", createRule: { times: "25:00" } }] },
        }),
        resource("aws:iam/role:Role", "r".repeat(57), { assumeRolePolicy: "{}" }),
        resource("aws:cloudwatch/logGroup:LogGroup", "logs", { name: "logs", tags: { Note: "see #ops" } }),
      ],
      models,
    );
    expect(result.unmapped).toEqual([]);
    expect(result.violations.map((v) => v.split(" = ")[0])).toEqual([
      'aws:dlm/lifecyclePolicy:LifecyclePolicy "snap" description',
      'aws:dlm/lifecyclePolicy:LifecyclePolicy "snap" policyDetails.schedules[0].name',
      'aws:dlm/lifecyclePolicy:LifecyclePolicy "snap" policyDetails.schedules[0].createRule.times',
      `aws:iam/role:Role "${"r".repeat(57)}" name (auto-named)`,
      'aws:cloudwatch/logGroup:LogGroup "logs" tags.Note',
    ]);
  });

  it("accepts CloudWatch alarm tags of any characters (its model has no tag pattern), and merges default tags", () => {
    const result = checkPlan(
      [
        provider,
        resource("aws:cloudwatch/metricAlarm:MetricAlarm", "alarm", {
          name: "dev-host-cpu",
          namespace: "AWS/EC2",
          tags: { Note: "p95 > 2s (see #ops)" },
        }),
      ],
      models,
    );
    expect(result.violations).toEqual([]);
    expect(result.judged.map((j) => j.at)).toContain("tags.Project (key)");
  });

  it("reports an AWS type with no row, and an input the table neither maps nor exempts", () => {
    const result = checkPlan(
      [
        resource("aws:s3/bucket:Bucket", "b", { bucket: "b" }),
        resource("aws:ec2/vpc:Vpc", "v", { cidrBlock: "10.0.0.0/16", ipv6IpamPoolId: "ipam-pool-1" }),
      ],
      models,
    );
    expect(result.unmapped).toEqual([
      "aws:ec2/vpc:Vpc ipv6IpamPoolId",
      "aws:s3/bucket:Bucket (no row in policy/lib/awsApiMembers.ts)",
    ]);
  });

  it("does not judge values unknown until deploy", () => {
    const result = checkPlan(
      [
        resource("aws:ec2/subnet:Subnet", "s", {
          vpcId: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
          cidrBlock: "10.0.0.0/24",
        }),
      ],
      models,
    );
    expect(result.judged.map((j) => j.path)).toEqual(["cidrBlock"]);
  });
});

describe("the config examples the check runs over", () => {
  it("cover every setting that can reach AWS, in the dev or the prod example plan (or say why not)", () => {
    const left = sectionKeys(AWS_SECTIONS).filter((k) => k in EXAMPLE_RUNS.dev && k in EXAMPLE_RUNS.prod);
    expect(left.sort()).toEqual(["host.sshHostKey", "host.sshPublicKey"]);
    for (const k of Object.keys({ ...EXAMPLE_RUNS.dev, ...EXAMPLE_RUNS.prod }))
      expect(sectionKeys(AWS_SECTIONS), k).toContain(k);
  });
});

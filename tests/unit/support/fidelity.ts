/**
 * Checks over a stack's offline plan for what a real engine, provider or cloud API would refuse although the mock
 * engine accepts it. Shared by fidelity-dev.test.ts and fidelity-prod.test.ts (one stack per file: the mock engine
 * is global). The plan is the real `npm run plan` code path (`runPlan`), over the stack file as committed plus, for
 * prod, a TXT record long enough to need splitting.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { earlyRenewalHoursFor } from "../../../components/registryHost/certificateRenewal";
import { SIGNING_KEY_BASE_NAME, signingKeyName } from "../../../components/azureServices/naming";
import { evaluate } from "../../../policy/evaluate";
import { providerConstraints } from "../../../policy/rules/provider-constraints";
import { runPlan, type PlanReport } from "../../../scripts/plan/plan";
import { unwrapSecrets } from "../../../scripts/plan/secrets";
import { PROJECT_DIR } from "./runStack";

/**
 * EC2's documented sets (EC2 API Reference), written out independently of the policy: group descriptions
 * (CreateSecurityGroup GroupDescription) and rule descriptions (UserIdGroupPair / PrefixListId Description: no "&").
 */
const EC2_GROUP_DESCRIPTION = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]{0,255}$/;
const EC2_RULE_DESCRIPTION = /^[a-zA-Z0-9. _\-:/()#,@[\]+=;{}!$*]{0,255}$/;

/** A DKIM-sized TXT value: longer than one 255-character string. */
export const LONG_TXT = `v=DKIM1; k=rsa; p=${"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA".repeat(8)}`;

export function describeFidelity(stack: "dev" | "prod"): void {
  let dir: string;
  let report: PlanReport;
  let provisionTimeoutMinutes: number;
  const props = (type: string) =>
    report.resources
      .filter((r) => r.type === type)
      .map((r) => ({ ...r, props: unwrapSecrets(r.inputs) as Record<string, any> }));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `fidelity-${stack}-`));
    const doc = parse(readFileSync(join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as {
      config: Record<string, any>;
    };
    if (stack === "prod") {
      const dns = doc.config["startup-infra:dns"];
      dns.extraRecords = [
        { name: "@", type: "TXT", values: ["v=spf1 -all"] },
        { name: "mail._domainkey", type: "TXT", values: [LONG_TXT] },
      ];
    }
    const configFile = join(dir, `Pulumi.${stack}.yaml`);
    writeFileSync(configFile, stringify(doc));
    report = await runPlan({ projectDir: PROJECT_DIR, stack, configFile, outDir: join(dir, "plan") });
    const host = doc.config["startup-infra:host"] ?? {};
    provisionTimeoutMinutes = host.provisionTimeoutMinutes ?? 20;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe(`${stack}: provider constraints in the offline plan`, () => {
    it("every security group, rule and inline rule description uses only EC2's characters, under 256", () => {
      const groups: string[] = [];
      const rules: string[] = [];
      for (const r of props("aws:ec2/securityGroup:SecurityGroup")) {
        groups.push(r.props.description);
        for (const side of ["ingress", "egress"])
          for (const e of r.props[side] ?? []) if (e.description !== undefined) rules.push(e.description);
      }
      for (const type of [
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
      ])
        for (const r of props(type)) rules.push(r.props.description);
      expect(groups.length).toBeGreaterThanOrEqual(2);
      expect(rules.length).toBeGreaterThanOrEqual(6);
      for (const d of groups) expect(d, d).toMatch(EC2_GROUP_DESCRIPTION);
      for (const d of rules) expect(d, d).toMatch(EC2_RULE_DESCRIPTION);
    });

    it("the provider-constraints policy finds nothing, and the plan reports no violation of it", () => {
      expect(evaluate([providerConstraints], report.resources, stack)).toEqual([]);
      expect(report.violations.filter((v) => v.policy === "provider-constraints")).toEqual([]);
    });
  });

  describe(`${stack}: remote commands`, () => {
    it("turns addPreviousOutputInEnv off on every remote Command (sshd refuses the variables)", () => {
      const commands = props("command:remote:Command");
      expect(commands.length).toBeGreaterThanOrEqual(6);
      for (const c of commands) expect(c.props.addPreviousOutputInEnv, c.name).toBe(false);
    });

    it("bounds the wait for cloud-init on the host by host.provisionTimeoutMinutes", () => {
      const waitReady = props("command:remote:Command").find((c) => c.name.endsWith("-wait-ready"))!;
      expect(waitReady.props.stdin).toContain(`readonly READY_TIMEOUT_SECONDS='${provisionTimeoutMinutes * 60}'`);
      expect(waitReady.props.stdin).toContain('bounded "$READY_TIMEOUT_SECONDS" "cloud-init"');
    });
  });

  describe(`${stack}: network`, () => {
    it("asks for Availability Zones only (no opted-in Local/Wavelength Zone gets a subnet)", () => {
      const subnets = props("aws:ec2/subnet:Subnet");
      expect(subnets.length).toBeGreaterThanOrEqual(3);
      for (const s of subnets) expect(s.props.availabilityZone, s.name).toMatch(/^ap-northeast-2[a-d]$/);
    });
  });

  describe(`${stack}: Key Vault signing key`, () => {
    it("is named by a hash of exactly the properties it is created with", () => {
      const [key] = props("azure-native:keyvault:Key");
      expect(key).toBeDefined();
      expect(key!.props.keyName).toMatch(/^app-signing-[0-9a-f]{8}$/);
      expect(key!.props.keyName).toBe(signingKeyName(SIGNING_KEY_BASE_NAME, key!.props.properties));
    });
  });

  if (stack === "dev") {
    it("dev: the registry's leaf certificate renews early, inside its validity", () => {
      const [leaf] = props("tls:index/locallySignedCert:LocallySignedCert");
      const days = leaf!.props.validityPeriodHours / 24;
      expect(leaf!.props.earlyRenewalHours).toBe(earlyRenewalHoursFor(days));
      expect(leaf!.props.earlyRenewalHours).toBeGreaterThan(0);
      expect(leaf!.props.earlyRenewalHours).toBeLessThan(leaf!.props.validityPeriodHours);
    });
  }

  if (stack === "prod") {
    it("prod: the flow-log role may DescribeLogGroups, and nothing else outside its log group", () => {
      const policy = props("aws:iam/rolePolicy:RolePolicy").find((p) => p.name.endsWith("-flow-logs-policy"));
      const doc = JSON.parse(policy!.props.policy) as { Statement: { Action: string[]; Resource: unknown }[] };
      const actions = doc.Statement.flatMap((s) => s.Action);
      expect(actions).toContain("logs:DescribeLogGroups");
      for (const s of doc.Statement.filter((x) => x.Resource === "*"))
        expect(s.Action).toEqual(["logs:DescribeLogGroups"]);
    });

    it('prod: Route53 TXT values go unquoted, split with "" every 255 characters', () => {
      const txt = props("aws:route53/record:Record").filter((r) => r.props.type === "TXT");
      expect(txt).toHaveLength(2);
      const spf = txt.find((r) => r.props.name === "example.com")!;
      expect(spf.props.records).toEqual(["v=spf1 -all"]);
      const dkim = txt.find((r) => r.props.name === "mail._domainkey.example.com")!;
      const [value] = dkim.props.records as string[];
      expect(value!.startsWith('"')).toBe(false);
      const strings = value!.split('""');
      expect(strings.join("")).toBe(LONG_TXT);
      expect(strings.length).toBe(Math.ceil(LONG_TXT.length / 255));
      for (const s of strings) expect(s.length).toBeLessThanOrEqual(255);
    });
  }
}

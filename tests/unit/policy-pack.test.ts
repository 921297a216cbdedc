// The pack as `pulumi preview --policy-pack policy` runs it, minus the CLI (not installable here): Pulumi's own
// policy runner (@pulumi/pulumi/cmd/run-policy-pack, which compiles the pack's TypeScript with ts-node) started in
// policy/, then spoken to over the analyzer gRPC protocol the engine uses.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rules } from "../../policy/rules";

const ROOT = resolve(__dirname, "../..");
const POLICY_DIR = resolve(ROOT, "policy");
const requireFromRoot = createRequire(resolve(ROOT, "package.json"));
// The protobuf classes must be the copies @pulumi/pulumi's generated stubs use.
const requireFromPulumi = createRequire(requireFromRoot.resolve("@pulumi/pulumi/package.json"));
const grpc = requireFromPulumi("@grpc/grpc-js");
const analyzerRpc = requireFromPulumi("./proto/analyzer_grpc_pb");
const analyzerPb = requireFromPulumi("./proto/analyzer_pb");
const { Struct } = requireFromPulumi("google-protobuf/google/protobuf/struct_pb");
const { Empty } = requireFromPulumi("google-protobuf/google/protobuf/empty_pb");
const LEVELS = ["advisory", "mandatory", "disabled", "remediate"];

function call<T>(client: any, method: string, request: unknown): Promise<T> {
  return new Promise((resolvePromise, reject) =>
    client[method](request, (err: unknown, res: T) => (err ? reject(err) : resolvePromise(res))),
  );
}

function resource(type: string, name: string, props: Record<string, unknown>, stack: string) {
  return {
    type,
    name,
    urn: `urn:pulumi:${stack}::startup-infra::${type}::${name}`,
    props: Struct.fromJavaScript(props),
    options: new analyzerPb.AnalyzerResourceOptions(),
  };
}

function diagnostics(response: any) {
  return response.getDiagnosticsList().map((d: any) => ({
    policy: d.getPolicyname(),
    level: LEVELS[d.getEnforcementlevel()],
    urn: d.getUrn(),
    message: d.getMessage(),
  }));
}

describe("importing policy/rules.ts", () => {
  it("starts no policy pack: a process that imports it exits on its own and prints no analyzer port", () => {
    const result = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "-e",
        'const { rules } = require("./policy/rules.ts"); console.log(`rules ${rules.length}`);',
      ],
      { cwd: ROOT, encoding: "utf8", timeout: 30_000 },
    );
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(`rules ${rules.length}`);
  });
});

describe("the pack under Pulumi's policy runner", () => {
  let pack: ChildProcess;
  let client: any;

  beforeAll(async () => {
    const runner = requireFromRoot.resolve("@pulumi/pulumi/cmd/run-policy-pack");
    // Same arguments the engine passes: <engine address> <pack directory>, working directory = the pack.
    pack = spawn(process.execPath, [runner, "127.0.0.1:1", "."], {
      cwd: POLICY_DIR,
      // The runner compiles the pack with the ts-node Pulumi vendors, which caches into $TMPDIR/ts-node-<hash> by
      // default (node_modules/@pulumi/pulumi/vendor/ts-node@7.0.1/index.js); a test leaves nothing behind.
      env: { ...process.env, TS_NODE_CACHE: "false" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    pack.stderr!.on("data", (d) => (stderr += String(d)));
    const port = await new Promise<string>((resolvePort, reject) => {
      pack.stdout!.once("data", (d) => resolvePort(String(d).trim()));
      pack.once("exit", (code) => reject(new Error(`policy pack exited with ${code}: ${stderr}`)));
    });
    expect(port).toMatch(/^\d+$/);
    client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  afterAll(() => {
    client?.close();
    if (pack?.pid !== undefined && pack.exitCode === null) pack.kill();
  });

  it("announces the pack and every rule with its enforcement level", async () => {
    const info: any = await call(client, "getAnalyzerInfo", new Empty());
    expect(info.getName()).toBe("startup-infra-security");
    const served = info
      .getPoliciesList()
      .map((p: any) => [p.getName(), LEVELS[p.getEnforcementlevel()]])
      .sort();
    expect(served).toEqual(rules.map((r) => [r.name, r.enforcementLevel]).sort());
  });

  it("reports world-open SSH on a vpc.SecurityGroupIngressRule as mandatory", async () => {
    const r = resource(
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      "host-ssh",
      { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv6: "::/0", description: "SSH" },
      "dev",
    );
    const request = new analyzerPb.AnalyzeRequest();
    request.setType(r.type);
    request.setName(r.name);
    request.setUrn(r.urn);
    request.setProperties(r.props);
    request.setOptions(r.options);
    expect(diagnostics(await call(client, "analyze", request))).toEqual([
      {
        policy: "no-world-open-admin-ports",
        level: "mandatory",
        urn: "",
        message: expect.stringContaining(
          "the rule admits ::/0 to admin port 22 (SSH): admin ports must never be open to the internet",
        ),
      },
    ]);
  });

  it("runs stack policies, with prod taken from the stack name", async () => {
    const vpc = resource("aws:ec2/vpc:Vpc", "net-vpc", { cidrBlock: "10.0.0.0/16" }, "prod");
    const dsg = resource(
      "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
      "net-default-sg",
      { vpcId: "vpc-1", ingress: [], egress: [] },
      "prod",
    );
    const toProto = (x: typeof vpc, dependencies: string[] = []) => {
      const ar = new analyzerPb.AnalyzerResource();
      ar.setType(x.type);
      ar.setName(x.name);
      ar.setUrn(x.urn);
      ar.setProperties(x.props);
      ar.setOptions(x.options);
      ar.setDependenciesList(dependencies);
      return ar;
    };
    const request = new analyzerPb.AnalyzeStackRequest();
    request.setResourcesList([toProto(vpc), toProto(dsg, [vpc.urn])]);
    const found = diagnostics(await call(client, "analyzeStack", request));
    expect(found.map((d: any) => [d.policy, d.level, d.urn])).toEqual([["vpc-flow-logs-prod", "mandatory", vpc.urn]]);
  });
});

import type { MockResourceArgs } from "@pulumi/pulumi/runtime";
import { azureOutputs } from "./azure";
import { hostOutputs } from "./host";
import { monitoringOutputs } from "./monitoring";
import type { ComputedOutputs, Inputs } from "./types";
import { documentationIp, hexOf, MOCK_ACCOUNT_ID, placeholderPem, privateIp } from "./values";

const REGION = "ap-northeast-2";
const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${MOCK_ACCOUNT_ID}:${resource}`;

/** Fake provider ids in each provider's own shape, e.g. `vpc-0a1b2c3d4e5f60718`. */
const ID_PREFIX: Record<string, string> = {
  "aws:ec2/vpc:Vpc": "vpc-",
  "aws:ec2/subnet:Subnet": "subnet-",
  "aws:ec2/securityGroup:SecurityGroup": "sg-",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg-",
  "aws:ec2/internetGateway:InternetGateway": "igw-",
  "aws:ec2/routeTable:RouteTable": "rtb-",
  "aws:ec2/instance:Instance": "i-",
  "aws:ec2/eip:Eip": "eipalloc-",
  "aws:ebs/volume:Volume": "vol-",
  "aws:ec2/keyPair:KeyPair": "key-",
  "aws:ec2/flowLog:FlowLog": "fl-",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr-",
};

export function mockId(args: MockResourceArgs): string {
  const prefix = ID_PREFIX[args.type];
  if (prefix) return `${prefix}0${hexOf(`${args.type}/${args.name}`, 16)}`;
  return `${args.name}-${hexOf(`${args.type}/${args.name}`, 8)}`;
}

/** AWS types whose `name` the provider generates when the program gives none. */
const AUTONAMED = new Set([
  "aws:rds/parameterGroup:ParameterGroup",
  "aws:rds/subnetGroup:SubnetGroup",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:iam/role:Role",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/instanceProfile:InstanceProfile",
  "aws:ec2/keyPair:KeyPair",
]);

/** The name the provider gives an unnamed resource of an AUTONAMED type (as `mockState` does). */
const nameOf = (type: string, name: string, inputs: Inputs): string =>
  (inputs.name as string | undefined) ?? `${name}-${hexOf(`autoname/${type}/${name}`, 7)}`;

export const computedOutputs: Record<string, ComputedOutputs> = {
  // IAM ARNs have no region, and name the role by its path and name (DLM checks ExecutionRoleArn against
  // `arn:aws(-[a-z]{1,3}){0,2}:iam::\d+:role/.*`).
  "aws:iam/role:Role": (name, inputs) => ({
    arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role${String(inputs.path ?? "/")}${nameOf("aws:iam/role:Role", name, inputs)}`,
  }),
  "aws:cloudwatch/logGroup:LogGroup": (name, inputs) => ({
    arn: arn("logs", `log-group:${nameOf("aws:cloudwatch/logGroup:LogGroup", name, inputs)}`),
  }),
  "aws:ec2/vpc:Vpc": (name) => ({
    arn: arn("ec2", `vpc/${name}`),
    defaultSecurityGroupId: `sg-0${hexOf(`default-sg/${name}`, 16)}`,
    mainRouteTableId: `rtb-0${hexOf(`main-rtb/${name}`, 16)}`,
    defaultNetworkAclId: `acl-0${hexOf(`acl/${name}`, 16)}`,
    ownerId: MOCK_ACCOUNT_ID,
  }),
  "aws:ec2/subnet:Subnet": (name) => ({ arn: arn("ec2", `subnet/${name}`), ownerId: MOCK_ACCOUNT_ID }),
  "aws:ec2/securityGroup:SecurityGroup": (name) => ({
    arn: arn("ec2", `security-group/${name}`),
    ownerId: MOCK_ACCOUNT_ID,
  }),
  "aws:ec2/eip:Eip": (name) => ({
    publicIp: documentationIp(`eip/${name}`),
    allocationId: `eipalloc-0${hexOf(`aws:ec2/eip:Eip/${name}`, 16)}`,
    publicDns: `ec2-${documentationIp(`eip/${name}`).replace(/\./g, "-")}.${REGION}.compute.amazonaws.com`,
  }),
  "aws:ec2/instance:Instance": (name) => ({
    arn: arn("ec2", `instance/${name}`),
    privateIp: privateIp(`instance/${name}`),
    primaryNetworkInterfaceId: `eni-0${hexOf(`eni/${name}`, 16)}`,
    instanceState: "running",
  }),
  "aws:rds/instance:Instance": (name, inputs) => {
    const port = (inputs.port as number | undefined) ?? (inputs.engine === "mysql" ? 3306 : 5432);
    const address = `${name}.c${hexOf(name, 12)}.${REGION}.rds.amazonaws.com`;
    return {
      address,
      endpoint: `${address}:${port}`,
      port,
      arn: arn("rds", `db:${name}`),
      resourceId: `db-${hexOf(name, 26).toUpperCase()}`,
      hostedZoneId: "ZLA2NUCOLGUUR",
      // RDS names an instance the program leaves unnamed (`<name>-<hex>`); a restore names its own.
      identifier: (inputs.identifier as string | undefined) ?? `${name}-${hexOf(`identifier/${name}`, 7)}`,
    };
  },
  "aws:route53/zone:Zone": (name) => ({
    zoneId: `Z${hexOf(`zone/${name}`, 20).toUpperCase()}`,
    nameServers: ["ns-101.awsdns-12.com", "ns-702.awsdns-23.net", "ns-1203.awsdns-22.org", "ns-1834.awsdns-37.co.uk"],
    arn: `arn:aws:route53:::hostedzone/${name}`,
  }),
  "aws:route53/record:Record": (_name, inputs) => ({ fqdn: `${String(inputs.name)}` }),
  // Parameter names are paths (`/a/b`): the ARN is `...:parameter/a/b`.
  "aws:ssm/parameter:Parameter": (name, inputs) => ({
    arn: arn("ssm", `parameter${String(inputs.name ?? `/${name}`)}`),
  }),
  "tls:index/privateKey:PrivateKey": (name) => ({
    privateKeyPem: placeholderPem("PRIVATE KEY", name),
    privateKeyOpenssh: placeholderPem("OPENSSH PRIVATE KEY", name),
    publicKeyPem: placeholderPem("PUBLIC KEY", name),
    publicKeyOpenssh: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${hexOf(name, 43)} mock`,
    publicKeyFingerprintSha256: `SHA256:${hexOf(name, 43)}`,
  }),
  "tls:index/selfSignedCert:SelfSignedCert": (name, inputs) => certificateOutputs(name, inputs),
  "tls:index/locallySignedCert:LocallySignedCert": (name, inputs) => certificateOutputs(name, inputs),
  "tls:index/certRequest:CertRequest": (name) => ({ certRequestPem: placeholderPem("CERTIFICATE REQUEST", name) }),
  "random:index/randomPassword:RandomPassword": (name, inputs) => {
    const length = (inputs.length as number | undefined) ?? 32;
    const result = Buffer.from(hexOf(`password/${name}`, length * 2), "hex")
      .toString("base64url")
      .slice(0, length);
    // bcryptHash: a well-formed bcrypt string that matches no password, as the PEMs here are placeholders. The
    // program hashes registry passwords itself, with a salt kept in state (registryPasswordHash), and never reads it;
    // hashing here cost a plan ~12 ms.
    return { result, bcryptHash: `$2a$04$${hexOf(`bcrypt/${name}`, 53)}` };
  },
  "random:index/randomBytes:RandomBytes": (name, inputs) => {
    const hex = hexOf(`bytes/${name}`, ((inputs.length as number | undefined) ?? 16) * 2);
    return { hex, base64: Buffer.from(hex, "hex").toString("base64") };
  },
  "random:index/randomId:RandomId": (name, inputs) => {
    const bytes = (inputs.byteLength as number | undefined) ?? 8;
    const hex = hexOf(`id/${name}`, bytes * 2);
    return { hex, b64Url: Buffer.from(hex, "hex").toString("base64url"), dec: BigInt(`0x${hex}`).toString() };
  },
  "command:remote:Command": () => ({ stdout: "", stderr: "" }),
  "command:remote:CopyToRemote": () => ({}),
  "command:local:Command": () => ({ stdout: "", stderr: "" }),
};

Object.assign(computedOutputs, hostOutputs, monitoringOutputs, azureOutputs);

function certificateOutputs(name: string, inputs: Inputs): Inputs {
  const hours = (inputs.validityPeriodHours as number | undefined) ?? 8760;
  const start = new Date("2026-01-01T00:00:00Z");
  return {
    certPem: placeholderPem("CERTIFICATE", name),
    validityStartTime: start.toISOString(),
    validityEndTime: new Date(start.getTime() + hours * 3600_000).toISOString(),
    readyForRenewal: false,
  };
}

/** The state the mock provider returns: the inputs, plus every computed output, plus an ARN for AWS types. */
export function mockState(args: MockResourceArgs): Inputs {
  const inputs = args.inputs as Inputs;
  const computed = computedOutputs[args.type]?.(args.name, inputs) ?? {};
  const generic: Inputs = args.type.startsWith("aws:")
    ? { arn: arn(args.type.split(":")[1]!.split("/")[0]!, args.name) }
    : {};
  // AWS providers name resources the program leaves unnamed (`<name>-<7 hex>`); emulate it so names flow like real ones.
  const autoName: Inputs =
    args.type.startsWith("aws:") && inputs.name === undefined && AUTONAMED.has(args.type)
      ? { name: `${args.name}-${hexOf(`autoname/${args.type}/${args.name}`, 7)}` }
      : {};
  return { ...generic, ...autoName, ...inputs, ...computed };
}

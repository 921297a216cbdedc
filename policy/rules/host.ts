/** EC2 host rules: instance metadata, volume encryption, user data, monitoring, public addresses. */
import { SINGLE_ENTRY_HOST } from "../exceptions";
import { resourceRule, stackRule } from "../lib/define";
import { referenced } from "../lib/relations";
import { at, isTrue, isUnknown, isWireSecret, list, type Props, read, WIRE_SECRET_SIG } from "../lib/values";

export const INSTANCE = "aws:ec2/instance:Instance";
export const EBS_VOLUME = "aws:ebs/volume:Volume";
export const EIP = "aws:ec2/eip:Eip";
export const EIP_ASSOCIATION = "aws:ec2/eipAssociation:EipAssociation";

export const ec2Imdsv2Required = resourceRule({
  name: "ec2-imdsv2-required",
  description: 'CKV_AWS_79 / AWS-0028: instances require IMDSv2 (metadataOptions.httpTokens "required").',
  enforcementLevel: "mandatory",
  types: [INSTANCE],
  check: (r, report) => {
    const endpoint = read(r.props, "metadataOptions.httpEndpoint");
    if (endpoint.state === "known" && endpoint.value === "disabled") return; // no metadata service at all
    const tokens = read(r.props, "metadataOptions.httpTokens");
    if (tokens.state === "unknown") return;
    if (tokens.state === "absent" || tokens.value !== "required") {
      report(
        'metadataOptions.httpTokens is not "required": IMDSv1 lets any SSRF read the instance credentials; require ' +
          "IMDSv2 session tokens (CKV_AWS_79 / AWS-0028).",
      );
    }
  },
});

export const ec2ImdsHopLimit = resourceRule({
  name: "ec2-imds-hop-limit-1",
  description:
    "CKV_AWS_341: metadataOptions.httpPutResponseHopLimit is 1, so containers on the host cannot reach the instance credentials.",
  enforcementLevel: "mandatory",
  types: [INSTANCE],
  check: (r, report) => {
    const endpoint = read(r.props, "metadataOptions.httpEndpoint");
    if (endpoint.state === "known" && endpoint.value === "disabled") return;
    const hops = read(r.props, "metadataOptions.httpPutResponseHopLimit");
    if (hops.state === "unknown") return;
    if (hops.state === "absent" || Number(hops.value) !== 1) {
      const actual = hops.state === "absent" ? "not set (the AMI decides)" : String(hops.value);
      report(
        `metadataOptions.httpPutResponseHopLimit is ${actual}: set it to 1 so containers (one hop further) cannot ` +
          "fetch the instance credentials (CKV_AWS_341).",
      );
    }
  },
});

export const ec2VolumesEncrypted = resourceRule({
  name: "ec2-volumes-encrypted",
  description:
    "CKV_AWS_8 / AWS-0131: the instance's root volume (rootBlockDevice.encrypted) and every ebsBlockDevices entry are encrypted.",
  enforcementLevel: "mandatory",
  types: [INSTANCE],
  check: (r, report) => {
    const root = read(r.props, "rootBlockDevice.encrypted");
    if (root.state === "absent" || (root.state === "known" && !isTrue(root.value))) {
      report("rootBlockDevice.encrypted is not true: encrypt the root volume (CKV_AWS_8 / AWS-0131).");
    }
    (list(r.props.ebsBlockDevices) ?? []).forEach((device, i) => {
      const encrypted = read(device, "encrypted");
      if (encrypted.state === "absent" || (encrypted.state === "known" && !isTrue(encrypted.value))) {
        report(`ebsBlockDevices[${i}].encrypted is not true: encrypt every data volume (CKV_AWS_8 / AWS-0131).`);
      }
    });
  },
});

export const ebsVolumeEncrypted = resourceRule({
  name: "ebs-volume-encrypted",
  description: "CKV_AWS_3: every ebs.Volume is encrypted.",
  enforcementLevel: "mandatory",
  types: [EBS_VOLUME],
  check: (r, report) => {
    const encrypted = read(r.props, "encrypted");
    if (encrypted.state === "absent" || (encrypted.state === "known" && !isTrue(encrypted.value))) {
      report("EBS volume is not encrypted: set encrypted to true (CKV_AWS_3).");
    }
  },
});

/** What gives a secret away in user data. Each name is reported; the matched text never is. */
export const USER_DATA_SECRET_PATTERNS: { name: string; pattern: RegExp }[] = [
  { name: "a private key (PEM)", pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/ },
  { name: "an AWS access key id", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: "an AWS secret access key", pattern: /aws_secret_access_key\s*[=:]/i },
  { name: "a password assignment", pattern: /\bpass(?:word|wd)\s*[=:]/i },
  { name: "a bcrypt htpasswd hash", pattern: /\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}/ },
  { name: "a Pulumi secret in wire form", pattern: new RegExp(WIRE_SECRET_SIG) },
];

function userDataTexts(props: Props): { field: string; text: string }[] {
  const texts: { field: string; text: string }[] = [];
  if (typeof props.userData === "string" && !isUnknown(props.userData)) {
    texts.push({ field: "userData", text: props.userData });
  }
  if (typeof props.userDataBase64 === "string" && !isUnknown(props.userDataBase64)) {
    texts.push({ field: "userDataBase64", text: Buffer.from(props.userDataBase64, "base64").toString("utf8") });
  }
  return texts;
}

export const noSecretsInUserData = resourceRule({
  name: "no-secrets-in-user-data",
  description:
    "CKV_AWS_46 / AWS-0029: no secrets in userData / userDataBase64 (private keys, AWS keys, password=, bcrypt " +
    "htpasswd hashes, Pulumi secrets): user data is readable by anything that can describe the instance or reach IMDS.",
  enforcementLevel: "mandatory",
  types: [INSTANCE],
  check: (r, report) => {
    for (const field of ["userData", "userDataBase64"]) {
      if (isWireSecret(r.props[field])) {
        report(
          `${field} is a Pulumi secret: secrets must reach the host another way (SSH copy, secrets manager), not ` +
            "through user data (CKV_AWS_46 / AWS-0029).",
        );
      }
    }
    for (const { field, text } of userDataTexts(r.props)) {
      const found = USER_DATA_SECRET_PATTERNS.filter((p) => p.pattern.test(text)).map((p) => p.name);
      if (found.length > 0) {
        report(
          `${field} contains ${found.join(", ")}: user data is readable by anyone who can describe the instance or ` +
            "reach its metadata; ship secrets another way (CKV_AWS_46 / AWS-0029).",
        );
      }
    }
  },
});

export const ec2DetailedMonitoringProd = resourceRule({
  name: "ec2-detailed-monitoring-prod",
  description: "CKV_AWS_126: in prod, instances have detailed (1-minute) monitoring (monitoring: true).",
  enforcementLevel: "mandatory",
  types: [INSTANCE],
  check: (r, report) => {
    if (r.environment !== "prod") return;
    const monitoring = read(r.props, "monitoring");
    if (monitoring.state === "absent" || (monitoring.state === "known" && !isTrue(monitoring.value))) {
      report("Detailed monitoring is off: set monitoring to true on prod instances (CKV_AWS_126).");
    }
  },
});

export const ec2PublicIpOnlyOnEntryHost = stackRule({
  name: "ec2-public-ip-only-on-entry-host",
  description:
    "CKV_AWS_88: instances have no public address (associatePublicIpAddress or an Elastic IP), except the named " +
    `exception "${SINGLE_ENTRY_HOST.name}": one entry host per stack.`,
  enforcementLevel: "mandatory",
  check: (s, report) => {
    const instances = s.ofType(INSTANCE);
    const addressSources = s.ofType(EIP, EIP_ASSOCIATION);
    const publicHosts = instances.filter(
      (i) =>
        isTrue(i.props.associatePublicIpAddress) ||
        addressSources.some(
          (a) => referenced(a, "instance", [i]).length > 0 || referenced(a, "instanceId", [i]).length > 0,
        ),
    );
    if (publicHosts.length <= 1) return;
    for (const host of publicHosts) {
      report(
        `Instance ${host.name} is one of ${publicHosts.length} instances with a public address: only the stack's one ` +
          `entry host may have one (exception "${SINGLE_ENTRY_HOST.name}"); reach the others through it (CKV_AWS_88).`,
        host.urn,
      );
    }
  },
});

export const REMOTE_COMMAND = "command:remote:Command";
export const REMOTE_COPY = "command:remote:CopyToRemote";

/** A value behind the engine's secret wire form (CrossGuard may hand secrets over wrapped). */
function unwrapWire(value: unknown): unknown {
  return isWireSecret(value) ? (value as Record<string, unknown>).value : value;
}

export const sshHostKeyPinnedProd = resourceRule({
  name: "ssh-host-key-pinned-prod",
  description:
    "Security bar, provisioning over SSH (no Checkov/Trivy ID: they cannot read @pulumi/command): in prod, every " +
    "command:remote:Command and command:remote:CopyToRemote verifies the host (connection.hostKey set), since the " +
    "connection carries the TLS key and registry passwords. Advisory: the first up of a new host connects before " +
    "its key can be pinned (README, pinning the host key).",
  enforcementLevel: "advisory",
  types: [REMOTE_COMMAND, REMOTE_COPY],
  check: (r, report) => {
    if (r.environment !== "prod") return;
    const connection = unwrapWire(r.props.connection);
    if (isUnknown(connection)) return;
    const hostKey = unwrapWire(at(connection, "hostKey"));
    if (isUnknown(hostKey)) return; // computed (e.g. from a key the program generates): pinned, value not known yet
    if (typeof hostKey !== "string" || hostKey.trim() === "") {
      report(
        "connection.hostKey is not set: the provisioning connection trusts whatever answers on the host's address " +
          "and sends it secrets; pin the host's public key (README, host key).",
      );
    }
  },
});

export const hostRules = [
  ec2Imdsv2Required,
  ec2ImdsHopLimit,
  ec2VolumesEncrypted,
  ebsVolumeEncrypted,
  noSecretsInUserData,
  ec2DetailedMonitoringProd,
  ec2PublicIpOnlyOnEntryHost,
  sshHostKeyPinnedProd,
];

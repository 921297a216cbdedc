/**
 * What the cloud APIs themselves reject, as a table of small pure rules. The mock engine and `pulumi preview` accept
 * any string; EC2, RDS, IAM, CloudWatch Logs, Route53 and Azure Resource Manager refuse some only when the resource
 * is created, in the middle of an `up`. Each rule here quotes the API's own constraint and where it is documented,
 * so the offline plan (and `pulumi preview --policy-pack policy`) reports the mistake before anything is created.
 */
import { isUnknown } from "./values";

/** One value a rule judges: where it was read (for the message) and the value. */
export interface ConstrainedValue {
  where: string;
  value: string;
}

/** What a rule sees of a resource: its type, logical name and raw inputs. */
export interface ConstraintSubject {
  type: string;
  name: string;
  props: Record<string, unknown>;
}

export interface ProviderConstraint {
  /** Short id, printed in the message: `ec2-security-group-description`. */
  id: string;
  /** Resource types it reads (exact tokens), or a predicate over the type. */
  appliesTo: string[] | ((type: string) => boolean);
  /** The values it judges (only known strings: unknowns cannot be judged offline). */
  values: (r: ConstraintSubject) => ConstrainedValue[];
  /** What is wrong with one value, or undefined when the API accepts it. */
  problem: (value: string) => string | undefined;
  /** The API's rule and where it is documented. */
  rule: string;
  /**
   * For an AWS rule: the API member it judges, as botocore names it (`service Operation Member`). Hand-written AWS
   * rules stay only where botocore's model of that member is silent (no pattern); the AWS API check asserts it.
   */
  botocore?: string;
}

// --- Value readers ------------------------------------------------------------------------------------------------

const known = (where: string, value: unknown): ConstrainedValue[] =>
  typeof value === "string" && !isUnknown(value) ? [{ where, value }] : [];

/** A string input. */
const input =
  (...paths: string[]) =>
  (r: ConstraintSubject): ConstrainedValue[] =>
    paths.flatMap((p) => known(p, r.props[p]));

/**
 * The name the provider will use: the input when set, else the auto-name it derives from the logical name. The
 * AWS provider (terraform bridge `AutoName`) appends "-" and 7 random hex digits; for RDS it also lower-cases
 * (AWS stores RDS identifiers in lower case). azure-native appends 8 hex digits without a separator. The generated
 * part is shown as x's: it never changes whether a name is valid, only its length does.
 */
const nameOrAutoName =
  (path: string, style: "aws" | "aws-lower" | "azure", prefixPath?: string) =>
  (r: ConstraintSubject): ConstrainedValue[] => {
    const given = r.props[path];
    if (given !== undefined) return known(path, given);
    const prefix = prefixPath ? r.props[prefixPath] : undefined;
    // A `namePrefix` gets terraform's PrefixedUniqueId suffix: 26 characters (timestamp and counter).
    if (prefix !== undefined)
      return known(
        `${prefixPath} (+ 26-character suffix)`,
        typeof prefix === "string" ? `${prefix}${"x".repeat(26)}` : prefix,
      );
    if (style === "azure") return [{ where: `${path} (auto-named from "${r.name}")`, value: `${r.name}xxxxxxxx` }];
    const base = style === "aws-lower" ? r.name.toLowerCase() : r.name;
    return [{ where: `${path} (auto-named from "${r.name}")`, value: `${base}-xxxxxxx` }];
  };

/** Descriptions of inline `ingress` / `egress` entries of an ec2.SecurityGroup. */
function inlineRuleDescriptions(r: ConstraintSubject): ConstrainedValue[] {
  return (["ingress", "egress"] as const).flatMap((side) => {
    const entries = r.props[side];
    if (!Array.isArray(entries)) return [];
    return entries.flatMap((e, i) =>
      typeof e === "object" && e !== null
        ? known(`${side}[${i}].description`, (e as Record<string, unknown>).description)
        : [],
    );
  });
}

/** Tag keys and values of `tags` (and, on an AWS provider, of `defaultTags.tags`). */
function tagEntries(r: ConstraintSubject): [string, unknown][] {
  const parse = (v: unknown): unknown => {
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return undefined;
    }
  };
  const tags = r.type.startsWith("pulumi:providers:")
    ? (parse(r.props.defaultTags) as { tags?: unknown } | undefined)?.tags
    : r.props.tags;
  return typeof tags === "object" && tags !== null ? Object.entries(tags as Record<string, unknown>) : [];
}

const tagKeys = (r: ConstraintSubject): ConstrainedValue[] =>
  tagEntries(r).map(([k]) => ({ where: `tag key "${k}"`, value: k }));
const tagValues = (r: ConstraintSubject): ConstrainedValue[] =>
  tagEntries(r).flatMap(([k, v]) => known(`tag "${k}"`, v));
/** The tag count, as a numeric string (judged by `atMost`). */
const tagCount = (r: ConstraintSubject): ConstrainedValue[] => {
  const n = tagEntries(r).length;
  return n === 0 ? [] : [{ where: "tag count", value: String(n) }];
};

// --- Value checks -------------------------------------------------------------------------------------------------

/** Composes checks: the first problem wins. */
const all =
  (...checks: ((v: string) => string | undefined)[]) =>
  (v: string): string | undefined => {
    for (const check of checks) {
      const p = check(v);
      if (p !== undefined) return p;
    }
    return undefined;
  };

const length = (min: number, max: number) => (v: string) =>
  v.length < min || v.length > max ? `is ${v.length} characters (allowed: ${min}-${max})` : undefined;

/** Every character must match `allowed` (a one-character class); names the first offenders. */
const charset = (allowed: RegExp, label: string) => (v: string) => {
  const bad = [...new Set([...v].filter((c) => !allowed.test(c)))];
  return bad.length > 0 ? `contains ${bad.map((c) => JSON.stringify(c)).join(", ")} (allowed: ${label})` : undefined;
};

/** For a numeric string (a count). */
const atMost = (max: number) => (v: string) => (Number(v) > max ? `is more than ${max}` : undefined);

const matches = (pattern: RegExp, label: string) => (v: string) => (pattern.test(v) ? undefined : label);
const notMatches = (pattern: RegExp, label: string) => (v: string) => (pattern.test(v) ? label : undefined);

// --- Types --------------------------------------------------------------------------------------------------------

const SG = "aws:ec2/securityGroup:SecurityGroup";
const SG_RULE_TYPES = [
  "aws:ec2/securityGroupRule:SecurityGroupRule",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
];
const RDS_INSTANCE = "aws:rds/instance:Instance";

/**
 * EC2's character set for security group names and descriptions, as the EC2 API Reference documents it
 * (CreateSecurityGroup GroupName and GroupDescription; IpRange and Ipv6Range Description).
 */
export const EC2_SG_TEXT_CHARS = "a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*";
const EC2_SG_TEXT = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]$/;
/**
 * The set for rule descriptions: the same without "&". The reference documents UserIdGroupPair and PrefixListId
 * descriptions (rules whose source is a security group or prefix list, like the database's rule) without it, and a
 * rule's kind can change with its source, so every rule description keeps to the narrower set.
 */
export const EC2_SG_RULE_TEXT_CHARS = "a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=;{}!$*";
const EC2_SG_RULE_TEXT = /^[a-zA-Z0-9. _\-:/()#,@[\]+=;{}!$*]$/;
const EC2_SG_RULE =
  `EC2 accepts group descriptions of up to 255 characters from ${EC2_SG_TEXT_CHARS} (CreateSecurityGroup ` +
  "GroupDescription in the EC2 API Reference; otherwise InvalidParameterValue)";
const EC2_RULE_RULE =
  `EC2 accepts rule descriptions of up to 255 characters from ${EC2_SG_RULE_TEXT_CHARS} (IpRange, Ipv6Range, ` +
  "UserIdGroupPair and PrefixListId Description in the EC2 API Reference; the first two also allow &; otherwise " +
  "InvalidParameterValue: Invalid rule description)";

/** RDS identifiers: DB instance, final snapshot, parameter group (RDS API Reference, CreateDBInstance and others). */
const rdsIdentifier = (max: number) =>
  all(
    length(1, max),
    charset(/^[a-zA-Z0-9-]$/, "letters, digits and hyphens"),
    matches(/^[a-zA-Z]/, "does not start with a letter"),
    notMatches(/--/, "contains two consecutive hyphens"),
    notMatches(/-$/, "ends with a hyphen"),
  );

/** AWS tag limits shared by every service (Tagging AWS resources, "Tag naming limits and requirements"). */
const AWS_TAG_RULE =
  "AWS tags: at most 50 per resource, keys 1-128 and values 0-256 Unicode characters, keys not prefixed aws: " +
  "(Tagging AWS resources, Tag naming limits and requirements)";
/**
 * RDS restricts tag characters (RDS API Reference, `Tag`: `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`, quoted in the
 * documentation of botocore's rds `Tag` shape) although the model leaves Tag Key and Value plain strings; the provider's default tags reach RDS too. IAM, CloudWatch Logs and
 * SSM carry the same set in their models (judged by the AWS API check, docs/aws-api-rules.md); CloudWatch alarms,
 * EC2, DLM and the rest have other sets or none, so the rule reads RDS and the default tags only.
 */
const RESTRICTED_TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]$/u;
const restrictedTagService = (type: string) => type.startsWith("aws:rds/") || type === "pulumi:providers:aws";
const isAws = (type: string) => type.startsWith("aws:") || type === "pulumi:providers:aws";
const isAzureTagged = (type: string) => type.startsWith("azure-native:");
/** 128 is the storage accounts' limit on tag names, and fits every other type (512 elsewhere). */
const AZURE_TAG_RULE =
  "Azure tags: at most 50 per resource, names 1-128 characters (storage accounts; 512 elsewhere) without <>%&\\?/, " +
  "values up to 256 characters (Use tags to organize your Azure resources, Limitations)";

/**
 * The table. Each entry is one documented API constraint on values this program sets (descriptions, names that are
 * given or auto-named, tags, Route53 TXT strings).
 */
export const PROVIDER_CONSTRAINTS: ProviderConstraint[] = [
  {
    id: "ec2-security-group-description",
    appliesTo: [SG],
    values: input("description"),
    problem: all(length(0, 255), charset(EC2_SG_TEXT, EC2_SG_TEXT_CHARS)),
    rule: EC2_SG_RULE,
    botocore: "ec2 CreateSecurityGroup Description",
  },
  {
    id: "ec2-security-group-rule-description",
    appliesTo: [SG, ...SG_RULE_TYPES],
    values: (r) => (r.type === SG ? inlineRuleDescriptions(r) : input("description")(r)),
    problem: all(length(0, 255), charset(EC2_SG_RULE_TEXT, EC2_SG_RULE_TEXT_CHARS)),
    rule: EC2_RULE_RULE,
    botocore: "ec2 AuthorizeSecurityGroupIngress IpPermissions[].IpRanges[].Description",
  },
  {
    id: "ec2-security-group-name",
    appliesTo: [SG],
    values: input("name", "namePrefix"),
    problem: all(length(1, 255), charset(EC2_SG_TEXT, EC2_SG_TEXT_CHARS), notMatches(/^sg-/i, 'starts with "sg-"')),
    rule: `EC2 group names: up to 255 characters from ${EC2_SG_TEXT_CHARS}, not starting with sg- (CreateSecurityGroup GroupName)`,
    botocore: "ec2 CreateSecurityGroup GroupName",
  },
  {
    id: "rds-instance-identifier",
    appliesTo: [RDS_INSTANCE],
    values: nameOrAutoName("identifier", "aws-lower", "identifierPrefix"),
    problem: rdsIdentifier(63),
    rule:
      "RDS DB instance identifiers: 1-63 letters, digits or hyphens, first a letter, no two consecutive hyphens, " +
      "not ending with a hyphen (CreateDBInstance DBInstanceIdentifier)",
    botocore: "rds CreateDBInstance DBInstanceIdentifier",
  },
  {
    id: "rds-final-snapshot-identifier",
    appliesTo: [RDS_INSTANCE],
    values: input("finalSnapshotIdentifier"),
    problem: rdsIdentifier(255),
    rule:
      "RDS final snapshot identifiers: 1-255 letters, digits or hyphens, first a letter, no two consecutive hyphens, " +
      "not ending with a hyphen (DeleteDBInstance FinalDBSnapshotIdentifier)",
    botocore: "rds DeleteDBInstance FinalDBSnapshotIdentifier",
  },
  {
    id: "rds-parameter-group-name",
    appliesTo: ["aws:rds/parameterGroup:ParameterGroup"],
    values: nameOrAutoName("name", "aws-lower", "namePrefix"),
    problem: all(rdsIdentifier(255), charset(/^[a-z0-9-]$/, "lower-case letters, digits and hyphens")),
    rule:
      "RDS DB parameter group names: 1-255 lower-case letters, digits or hyphens, first a letter, no two consecutive " +
      "hyphens, not ending with a hyphen (CreateDBParameterGroup DBParameterGroupName)",
    botocore: "rds CreateDBParameterGroup DBParameterGroupName",
  },
  {
    id: "rds-subnet-group-name",
    appliesTo: ["aws:rds/subnetGroup:SubnetGroup"],
    values: nameOrAutoName("name", "aws-lower", "namePrefix"),
    problem: all(
      length(1, 255),
      charset(/^[a-z0-9._ -]$/, "lower-case letters, digits, periods, underscores, spaces and hyphens"),
      notMatches(/^default$/, 'is "default"'),
    ),
    rule:
      'RDS DB subnet group names: up to 255 lower-case letters, digits, periods, underscores, spaces or hyphens, not "default" ' +
      "(CreateDBSubnetGroup DBSubnetGroupName)",
    botocore: "rds CreateDBSubnetGroup DBSubnetGroupName",
  },
  {
    id: "route53-txt-string-length",
    appliesTo: ["aws:route53/record:Record"],
    values: (r) => {
      if (r.props.type !== "TXT" || !Array.isArray(r.props.records)) return [];
      return r.props.records.flatMap((v, i) => known(`records[${i}]`, v));
    },
    // The provider wraps each value in quotes itself; `""` inside a value separates character-strings.
    problem: all(
      notMatches(/^".*"$/s, "is already quoted: the AWS provider adds the quotes, Route53 would get doubled quotes"),
      (v) => {
        const longest = Math.max(...v.split('""').map((s) => s.replace(/\\(.)/g, "$1").length));
        return longest > 255
          ? `has a character-string of ${longest} characters: split it with "" every 255`
          : undefined;
      },
    ),
    rule:
      'Route53 TXT values: character-strings of at most 255 characters, given unquoted; a longer value is split with "" ' +
      "as the AWS provider's route53.Record `records` documents (RFC 1035 section 3.3.14; otherwise InvalidChangeBatch)",
    botocore: "route53 ChangeResourceRecordSets ChangeBatch.Changes[].ResourceRecordSet.ResourceRecords[].Value",
  },
  {
    id: "aws-tag-count",
    appliesTo: isAws,
    values: tagCount,
    problem: atMost(50),
    rule: AWS_TAG_RULE,
    botocore: "ec2 CreateTags Tags[].Key",
  },
  {
    id: "aws-tag-key",
    appliesTo: isAws,
    values: tagKeys,
    problem: all(length(1, 128), notMatches(/^aws:/i, 'starts with "aws:" (reserved for AWS)')),
    rule: AWS_TAG_RULE,
    botocore: "ec2 CreateTags Tags[].Key",
  },
  {
    id: "aws-tag-value",
    appliesTo: isAws,
    values: tagValues,
    problem: length(0, 256),
    rule: AWS_TAG_RULE,
    botocore: "ec2 CreateTags Tags[].Value",
  },
  {
    id: "aws-tag-characters",
    appliesTo: restrictedTagService,
    values: (r) => [...tagKeys(r), ...tagValues(r)],
    problem: charset(RESTRICTED_TAG_CHARS, "Unicode letters, digits, spaces and _.:/=+-@"),
    rule:
      "RDS tags (and provider default tags, which reach RDS) use only Unicode letters, digits, white space and " +
      "_.:/=+-@ (RDS API Reference, Tag)",
    botocore: "rds AddTagsToResource Tags[].Key",
  },
  {
    id: "azure-storage-account-name",
    appliesTo: ["azure-native:storage:StorageAccount"],
    values: nameOrAutoName("accountName", "azure"),
    problem: all(length(3, 24), charset(/^[a-z0-9]$/, "lower-case letters and digits")),
    rule:
      "Azure storage account names: 3-24 lower-case letters and digits, globally unique (Naming rules for Azure " +
      "resources, Microsoft.Storage/storageAccounts)",
  },
  {
    id: "azure-key-vault-name",
    appliesTo: ["azure-native:keyvault:Vault"],
    values: nameOrAutoName("vaultName", "azure"),
    problem: all(
      length(3, 24),
      charset(/^[a-zA-Z0-9-]$/, "letters, digits and hyphens"),
      matches(/^[a-zA-Z]/, "does not start with a letter"),
      matches(/[a-zA-Z0-9]$/, "does not end with a letter or digit"),
      notMatches(/--/, "contains two consecutive hyphens"),
    ),
    rule:
      "Azure Key Vault names: 3-24 letters, digits and hyphens, starting with a letter, ending with a letter or digit, " +
      "no consecutive hyphens, globally unique (Naming rules, Microsoft.KeyVault/vaults)",
  },
  {
    id: "azure-key-vault-object-name",
    appliesTo: ["azure-native:keyvault:Key", "azure-native:keyvault:Secret"],
    values: input("keyName", "secretName"),
    problem: all(length(1, 127), charset(/^[a-zA-Z0-9-]$/, "letters, digits and hyphens")),
    rule: "Key Vault key and secret names: 1-127 letters, digits and hyphens (Naming rules, vaults/keys and vaults/secrets)",
  },
  {
    id: "azure-resource-group-name",
    appliesTo: ["azure-native:resources:ResourceGroup"],
    values: nameOrAutoName("resourceGroupName", "azure"),
    problem: all(
      length(1, 90),
      charset(/^[\p{L}\p{N}_().-]$/u, "letters, digits, underscores, parentheses, hyphens and periods"),
      notMatches(/\.$/, "ends with a period"),
    ),
    rule:
      "Azure resource group names: 1-90 letters, digits, underscores, parentheses, hyphens and periods, not ending " +
      "with a period (Naming rules, Microsoft.Resources/resourcegroups)",
  },
  {
    id: "azure-blob-container-name",
    appliesTo: ["azure-native:storage:BlobContainer"],
    values: input("containerName"),
    problem: all(
      length(3, 63),
      charset(/^[a-z0-9-]$/, "lower-case letters, digits and hyphens"),
      matches(/^[a-z0-9](-?[a-z0-9])*$/, "has a hyphen at either end or two in a row"),
    ),
    rule:
      "Blob container names: 3-63 lower-case letters, digits and hyphens, starting and ending with a letter or digit, " +
      "every hyphen between letters or digits (Naming and referencing containers, blobs, and metadata)",
  },
  {
    id: "azure-tag-count",
    appliesTo: isAzureTagged,
    values: tagCount,
    problem: atMost(50),
    rule: AZURE_TAG_RULE,
  },
  {
    id: "azure-tag-name",
    appliesTo: isAzureTagged,
    values: tagKeys,
    problem: all(length(1, 128), charset(/^[^<>%&\\?/]$/, "anything but <>%&\\?/")),
    rule: AZURE_TAG_RULE,
  },
  {
    id: "azure-tag-value",
    appliesTo: isAzureTagged,
    values: tagValues,
    problem: length(0, 256),
    rule: AZURE_TAG_RULE,
  },
];

/** A violation of one constraint: which value, what is wrong, the API's rule. */
export interface ConstraintViolation {
  id: string;
  where: string;
  value: string;
  problem: string;
  rule: string;
}

const applies = (c: ProviderConstraint, type: string) =>
  typeof c.appliesTo === "function" ? c.appliesTo(type) : c.appliesTo.includes(type);

/** Every constraint of `table` that `r` breaks. Pure. */
export function checkConstraints(
  r: ConstraintSubject,
  table: readonly ProviderConstraint[] = PROVIDER_CONSTRAINTS,
): ConstraintViolation[] {
  const out: ConstraintViolation[] = [];
  for (const c of table) {
    if (!applies(c, r.type)) continue;
    for (const { where, value } of c.values(r)) {
      const problem = c.problem(value);
      if (problem !== undefined) out.push({ id: c.id, where, value, problem, rule: c.rule });
    }
  }
  return out;
}

/** The message a violation prints: the value (shortened), what is wrong, and the API's rule. */
export function constraintMessage(v: ConstraintViolation): string {
  const shown = v.value.length > 80 ? `${v.value.slice(0, 77)}...` : v.value;
  return `${v.where} ${JSON.stringify(shown)} ${v.problem}: the cloud API rejects it. ${v.rule} [${v.id}]`;
}

/**
 * Key policy of the KMS key made for the host key parameter (when `kmsKeyArn` is not given). With the AWS-managed
 * `aws/ssm` key, any principal of the account allowed `ssm:GetParameter` on the parameter can also decrypt it (that
 * key's policy admits every principal of the account through SSM, and cannot be changed). With this key, decrypting
 * needs the key policy, which admits:
 *
 * - the instance role: `kms:Decrypt`, only through SSM in the region and only for this parameter;
 * - the deployer (the IAM role or user running `pulumi up`): `kms:Encrypt` and `kms:Decrypt` under the same conditions
 *   (the provider writes the parameter, and reads it back decrypted on every refresh: terraform-provider-aws
 *   internal/service/ssm/parameter.go, resourceParameterRead calls findParameterByName(..., true)), and the key's
 *   administration;
 * - the account (IAM policies): administration only, never encrypt or decrypt. KMS refuses a key policy that would
 *   lock out its creator, and a key no one can administer cannot even be deleted; this keeps it manageable by the
 *   account's administrators if the deployer changes (a changed policy is a PutKeyPolicy call, in CloudTrail).
 *
 * "Only this parameter" is the encryption context Parameter Store passes to KMS: key `PARAMETER_ARN`, value the
 * parameter's ARN (AWS KMS Developer Guide, "How AWS Systems Manager Parameter Store uses AWS KMS", section
 * "Parameter Store encryption context": awsdocs/aws-kms-developer-guide doc_source/services-parameter-store.md, whose
 * example policy conditions `kms:Decrypt` on `kms:EncryptionContext:PARAMETER_ARN`).
 */
export interface HostKeyKmsPolicyInput {
  partition: string;
  accountId: string;
  region: string;
  /** `arn:<partition>:ssm:<region>:<account>:parameter/<name>`: see `parameterArnOf`. */
  parameterArn: string;
  /** The host's instance role. */
  instanceRoleArn: string;
  /** The IAM role (not the assumed-role session) or user running the deployment. */
  deployerArn: string;
}

/** What administering the key means here: everything but using it, creating grants included (a grant could decrypt). */
export const KEY_ADMINISTRATION_ACTIONS = [
  "kms:CancelKeyDeletion",
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListAliases",
  "kms:ListGrants",
  "kms:ListKeyPolicies",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:RetireGrant",
  "kms:RevokeGrant",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateAlias",
  "kms:UpdateKeyDescription",
] as const;

/** The ARN Parameter Store puts in the encryption context (a name starts with `/`; one without gets one). */
export function parameterArnOf(args: { partition: string; region: string; accountId: string; name: string }): string {
  const path = args.name.startsWith("/") ? args.name : `/${args.name}`;
  return `arn:${args.partition}:ssm:${args.region}:${args.accountId}:parameter${path}`;
}

export function hostKeyKmsKeyPolicy(input: HostKeyKmsPolicyInput): {
  Version: string;
  Statement: Record<string, unknown>[];
} {
  const onlyThisParameterViaSsm = {
    StringEquals: {
      "kms:ViaService": `ssm.${input.region}.amazonaws.com`,
      "kms:EncryptionContext:PARAMETER_ARN": input.parameterArn,
    },
  };
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AdministerKeyNotData",
        Effect: "Allow",
        Principal: { AWS: [`arn:${input.partition}:iam::${input.accountId}:root`, input.deployerArn] },
        Action: [...KEY_ADMINISTRATION_ACTIONS],
        Resource: "*",
      },
      {
        Sid: "DeployerWritesAndRefreshesTheHostKeyParameter",
        Effect: "Allow",
        Principal: { AWS: input.deployerArn },
        Action: ["kms:Encrypt", "kms:Decrypt"],
        Resource: "*",
        Condition: onlyThisParameterViaSsm,
      },
      {
        Sid: "InstanceRoleReadsTheHostKeyParameter",
        Effect: "Allow",
        Principal: { AWS: input.instanceRoleArn },
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: onlyThisParameterViaSsm,
      },
    ],
  };
}

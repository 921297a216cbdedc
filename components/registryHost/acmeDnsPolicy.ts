/**
 * The instance role's permission for ACME dns-01 in Route53: the host may upsert and delete the TXT records named
 * `_acme-challenge.<name>` for exactly the names its certificate carries, in the stack's zone, and nothing else: not the
 * apex's `_acme-challenge.<domain>` (what a CA checks for `*.<domain>`), not another name's. Pure, so the document is
 * tested as data.
 *
 * What lego's route53 provider calls (https://go-acme.github.io/lego/dns/route53/, "Policy"): ListHostedZonesByName
 * (finds the zone for a name; Resource "*" is the only form this action accepts), ListResourceRecordSets (reads the
 * existing TXT set to merge values), ChangeResourceRecordSets (UPSERT, then DELETE on clean-up) and GetChange (waits
 * for INSYNC). The conditions use Route53's record-set condition keys
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html, "Normalizing the Route 53
 * condition key values"): a value of route53:ChangeResourceRecordSetsNormalizedRecordNames is all lower case, has no
 * trailing dot, and writes every character other than a-z, 0-9, "-", "_" and "." as a backslash and three octal
 * digits (`\052` for `*`); ChangeResourceRecordSetsActions values are upper case (CREATE, UPSERT, DELETE), record types
 * too. lego's route53 provider sends UPSERT to present and DELETE to clean up.
 */
export interface IamPolicyDocument {
  Version: "2012-10-17";
  Statement: {
    Sid: string;
    Effect: "Allow";
    Action: string | string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string[]>>;
  }[];
}

/** `arn:aws:route53:::hostedzone/<id>` (Route53 ARNs have no region or account). */
export function hostedZoneArn(zoneId: string): string {
  const id = zoneId.replace(/^\/?hostedzone\//, "");
  if (!/^[A-Z0-9]{1,32}$/.test(id)) throw new Error(`"${zoneId}" is not a Route53 hosted zone id`);
  return `arn:aws:route53:::hostedzone/${id}`;
}

/**
 * The `_acme-challenge` record a CA looks up for `name` (RFC 8555, section 8.4; a wildcard `*.<domain>` is validated
 * at `<domain>`), normalized as Route53 compares it in route53:ChangeResourceRecordSetsNormalizedRecordNames.
 */
export function acmeChallengeRecordName(name: string): string {
  const base = name.toLowerCase().replace(/\.$/, "").replace(/^\*\./, "");
  if (!base || base.startsWith(".") || base.includes("..")) throw new Error(`"${name}" is not a DNS name`);
  const escaped = [...`_acme-challenge.${base}`]
    .map((c) => (/[a-z0-9_.-]/.test(c) ? c : `\\${c.codePointAt(0)!.toString(8).padStart(3, "0")}`))
    .join("");
  return escaped;
}

/** `names`: every name on the certificate (acmeCertificateNames); only their challenge records may change. */
export function acmeDns01PolicyDocument(zoneId: string, names: readonly string[]): IamPolicyDocument {
  const zone = hostedZoneArn(zoneId);
  if (names.length === 0) throw new Error("the dns-01 policy needs the certificate's names (none given)");
  const records = [...new Set(names.map(acmeChallengeRecordName))].sort();
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AcmeChallengeTxtOnly",
        Effect: "Allow",
        Action: "route53:ChangeResourceRecordSets",
        Resource: zone,
        Condition: {
          // Every change of the batch must match (ForAllValues), each key on its own: one stray change refuses all.
          "ForAllValues:StringEquals": {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": records,
            "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
            "route53:ChangeResourceRecordSetsActions": ["UPSERT", "DELETE"],
          },
        },
      },
      { Sid: "ReadZoneRecords", Effect: "Allow", Action: "route53:ListResourceRecordSets", Resource: zone },
      { Sid: "WaitForChange", Effect: "Allow", Action: "route53:GetChange", Resource: "arn:aws:route53:::change/*" },
      { Sid: "FindZoneByName", Effect: "Allow", Action: "route53:ListHostedZonesByName", Resource: "*" },
    ],
  };
}

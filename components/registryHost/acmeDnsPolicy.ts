/**
 * The instance role's permission for ACME dns-01 in Route53: the host may create and delete TXT records named
 * `_acme-challenge.*` in the stack's zone and nothing else. Pure, so the document is tested as data.
 *
 * What lego's route53 provider calls (https://go-acme.github.io/lego/dns/route53/, "Policy"): ListHostedZonesByName
 * (finds the zone for a name; Resource "*" is the only form this action accepts), ListResourceRecordSets (reads the
 * existing TXT set to merge values), ChangeResourceRecordSets (UPSERT, then DELETE on clean-up) and GetChange (waits
 * for INSYNC). The conditions use Route53's record-set condition keys
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html): normalized names are
 * lower case without the trailing dot, so `_acme-challenge.*` matches `_acme-challenge.docker.example.com`.
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

export function acmeDns01PolicyDocument(zoneId: string): IamPolicyDocument {
  const zone = hostedZoneArn(zoneId);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AcmeChallengeTxtOnly",
        Effect: "Allow",
        Action: "route53:ChangeResourceRecordSets",
        Resource: zone,
        Condition: {
          "ForAllValues:StringEquals": {
            "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
            "route53:ChangeResourceRecordSetsActions": ["UPSERT", "DELETE"],
          },
          "ForAllValues:StringLike": {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["_acme-challenge.*"],
          },
        },
      },
      { Sid: "ReadZoneRecords", Effect: "Allow", Action: "route53:ListResourceRecordSets", Resource: zone },
      { Sid: "WaitForChange", Effect: "Allow", Action: "route53:GetChange", Resource: "arn:aws:route53:::change/*" },
      { Sid: "FindZoneByName", Effect: "Allow", Action: "route53:ListHostedZonesByName", Resource: "*" },
    ],
  };
}

// The dns-01 IAM policy as data: exactly what lego's route53 provider needs, scoped to one zone and TXT records
// under _acme-challenge, with AWS's own wildcard semantics checked on sample record names.
import { describe, expect, it } from "vitest";
import { acmeDns01PolicyDocument, hostedZoneArn } from "../../components/registryHost/acmeDnsPolicy";

const doc = acmeDns01PolicyDocument("Z0123456789ABCDEFGHIJ");
const statement = (sid: string) => doc.Statement.find((s) => s.Sid === sid)!;

/** IAM StringLike: `*` is any run of characters, `?` one character, everything else literal. */
function stringLike(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(value);
}

/** Whether a ChangeResourceRecordSets batch passes the statement's ForAllValues conditions. */
function allowsChange(changes: { action: string; type: string; name: string }[]): boolean {
  const c = statement("AcmeChallengeTxtOnly").Condition!;
  const eq = c["ForAllValues:StringEquals"]!;
  const like = c["ForAllValues:StringLike"]!;
  return changes.every(
    (ch) =>
      eq["route53:ChangeResourceRecordSetsRecordTypes"]!.includes(ch.type) &&
      eq["route53:ChangeResourceRecordSetsActions"]!.includes(ch.action) &&
      like["route53:ChangeResourceRecordSetsNormalizedRecordNames"]!.some((p) => stringLike(p, ch.name)),
  );
}

describe("ACME dns-01 policy document", () => {
  it("has exactly the four statements lego's route53 provider needs", () => {
    expect(doc.Version).toBe("2012-10-17");
    expect(doc.Statement.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      [
        "AcmeChallengeTxtOnly",
        "route53:ChangeResourceRecordSets",
        "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ",
      ],
      ["ReadZoneRecords", "route53:ListResourceRecordSets", "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"],
      ["WaitForChange", "route53:GetChange", "arn:aws:route53:::change/*"],
      ["FindZoneByName", "route53:ListHostedZonesByName", "*"],
    ]);
    expect(doc.Statement.every((s) => s.Effect === "Allow")).toBe(true);
  });

  it("changes only TXT records named _acme-challenge.*, by UPSERT and DELETE", () => {
    expect(statement("AcmeChallengeTxtOnly").Condition).toEqual({
      "ForAllValues:StringEquals": {
        "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
        "route53:ChangeResourceRecordSetsActions": ["UPSERT", "DELETE"],
      },
      "ForAllValues:StringLike": { "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["_acme-challenge.*"] },
    });
    expect(allowsChange([{ action: "UPSERT", type: "TXT", name: "_acme-challenge.docker.example.com" }])).toBe(true);
    expect(allowsChange([{ action: "DELETE", type: "TXT", name: "_acme-challenge.example.com" }])).toBe(true);
    // The host cannot repoint a site, publish other TXT (SPF, verification) or slip one bad change into a batch.
    expect(allowsChange([{ action: "UPSERT", type: "A", name: "_acme-challenge.docker.example.com" }])).toBe(false);
    expect(allowsChange([{ action: "UPSERT", type: "TXT", name: "example.com" }])).toBe(false);
    expect(allowsChange([{ action: "UPSERT", type: "TXT", name: "www._acme-challenge.example.com" }])).toBe(false);
    expect(allowsChange([{ action: "CREATE", type: "TXT", name: "_acme-challenge.example.com" }])).toBe(false);
    expect(
      allowsChange([
        { action: "UPSERT", type: "TXT", name: "_acme-challenge.example.com" },
        { action: "UPSERT", type: "CNAME", name: "docker.example.com" },
      ]),
    ).toBe(false);
  });

  it("accepts the zone id with or without the /hostedzone/ prefix and refuses anything else", () => {
    expect(hostedZoneArn("/hostedzone/Z0123456789ABCDEFGHIJ")).toBe(
      "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ",
    );
    expect(() => hostedZoneArn("*")).toThrow(/not a Route53 hosted zone id/);
    expect(() => acmeDns01PolicyDocument("")).toThrow(/not a Route53 hosted zone id/);
  });
});

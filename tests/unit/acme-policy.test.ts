// The dns-01 IAM policy as data: exactly what lego's route53 provider needs, scoped to one zone and to the TXT records
// _acme-challenge.<name> of the certificate's names, evaluated like IAM's ForAllValues:StringEquals on sample batches.
// Route53's normalization of the record-name key (lower case, no trailing dot, other characters as \ooo):
// https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html
import { describe, expect, it } from "vitest";
import {
  acmeChallengeRecordName,
  acmeDns01PolicyDocument,
  hostedZoneArn,
} from "../../components/registryHost/acmeDnsPolicy";

const NAMES = ["docker.example.com", "www.example.com"];
const doc = acmeDns01PolicyDocument("Z0123456789ABCDEFGHIJ", NAMES);
const statement = (sid: string) => doc.Statement.find((s) => s.Sid === sid)!;

/**
 * Whether a ChangeResourceRecordSets batch passes the statement's conditions: every operator block holds, each key
 * in a block holds, and ForAllValues:StringEquals holds when every value of the request's key (one per change) is
 * one of the listed values (exact, case-sensitive). Names are given as Route53 normalizes them.
 */
function allowsChange(changes: { action: string; type: string; name: string }[]): boolean {
  const c = statement("AcmeChallengeTxtOnly").Condition!;
  const request: Record<string, string[]> = {
    "route53:ChangeResourceRecordSetsNormalizedRecordNames": changes.map((ch) => ch.name),
    "route53:ChangeResourceRecordSetsRecordTypes": changes.map((ch) => ch.type),
    "route53:ChangeResourceRecordSetsActions": changes.map((ch) => ch.action),
  };
  return Object.entries(c).every(([operator, keys]) => {
    if (operator !== "ForAllValues:StringEquals") throw new Error(`the test does not evaluate ${operator}`);
    return Object.entries(keys).every(([key, allowed]) => request[key]!.every((v) => allowed.includes(v)));
  });
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

  it("changes only the TXT records _acme-challenge.<name> of the certificate's names, by UPSERT and DELETE", () => {
    expect(statement("AcmeChallengeTxtOnly").Condition).toEqual({
      "ForAllValues:StringEquals": {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
          "_acme-challenge.docker.example.com",
          "_acme-challenge.www.example.com",
        ],
        "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
        "route53:ChangeResourceRecordSetsActions": ["UPSERT", "DELETE"],
      },
    });
    expect(allowsChange([{ action: "UPSERT", type: "TXT", name: "_acme-challenge.docker.example.com" }])).toBe(true);
    expect(allowsChange([{ action: "DELETE", type: "TXT", name: "_acme-challenge.www.example.com" }])).toBe(true);
    // The apex's challenge (what a CA checks for *.example.com) and any other name's are refused.
    expect(allowsChange([{ action: "UPSERT", type: "TXT", name: "_acme-challenge.example.com" }])).toBe(false);
    expect(allowsChange([{ action: "UPSERT", type: "TXT", name: "_acme-challenge.admin.example.com" }])).toBe(false);
    expect(allowsChange([{ action: "UPSERT", type: "TXT", name: "_acme-challenge.x.docker.example.com" }])).toBe(false);
    // The host cannot repoint a site, publish other TXT (SPF, verification) or slip one bad change into a batch.
    expect(allowsChange([{ action: "UPSERT", type: "A", name: "_acme-challenge.docker.example.com" }])).toBe(false);
    expect(allowsChange([{ action: "UPSERT", type: "TXT", name: "example.com" }])).toBe(false);
    expect(allowsChange([{ action: "UPSERT", type: "TXT", name: "www._acme-challenge.example.com" }])).toBe(false);
    expect(allowsChange([{ action: "CREATE", type: "TXT", name: "_acme-challenge.docker.example.com" }])).toBe(false);
    expect(
      allowsChange([
        { action: "UPSERT", type: "TXT", name: "_acme-challenge.docker.example.com" },
        { action: "UPSERT", type: "CNAME", name: "docker.example.com" },
      ]),
    ).toBe(false);
  });

  it("normalizes record names as Route53 does: lower case, no trailing dot, other characters as \\ooo", () => {
    expect(acmeChallengeRecordName("Docker.Example.COM.")).toBe("_acme-challenge.docker.example.com");
    // A wildcard is validated at its base name (RFC 8555, section 8.4).
    expect(acmeChallengeRecordName("*.example.com")).toBe("_acme-challenge.example.com");
    expect(acmeChallengeRecordName("a*b.example.com")).toBe("_acme-challenge.a\\052b.example.com");
    expect(() => acmeChallengeRecordName("")).toThrow(/not a DNS name/);
    expect(() => acmeDns01PolicyDocument("Z0123456789ABCDEFGHIJ", [])).toThrow(/needs the certificate's names/);
    // Duplicates collapse; the list is sorted (a stable document: no diff on a reordered config).
    expect(
      acmeDns01PolicyDocument("Z0123456789ABCDEFGHIJ", ["WWW.example.com", "docker.example.com", "www.example.com."])
        .Statement[0]!.Condition!["ForAllValues:StringEquals"]![
        "route53:ChangeResourceRecordSetsNormalizedRecordNames"
      ],
    ).toEqual(["_acme-challenge.docker.example.com", "_acme-challenge.www.example.com"]);
  });

  it("accepts the zone id with or without the /hostedzone/ prefix and refuses anything else", () => {
    expect(hostedZoneArn("/hostedzone/Z0123456789ABCDEFGHIJ")).toBe(
      "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ",
    );
    expect(() => hostedZoneArn("*")).toThrow(/not a Route53 hosted zone id/);
    expect(() => acmeDns01PolicyDocument("", NAMES)).toThrow(/not a Route53 hosted zone id/);
  });
});

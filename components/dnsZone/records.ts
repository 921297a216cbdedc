export type DnsRecordType = "A" | "AAAA" | "CNAME" | "TXT" | "MX" | "CAA";

/** One record set to publish, relative to the zone. `values: "host-ip"` means the host's public IP (known at deploy). */
export interface DnsRecordSpec {
  /** Name relative to the zone: `www`, `_dmarc`, or `@` for the apex. */
  name: string;
  type: DnsRecordType;
  ttl: number;
  values: string[] | "host-ip";
}

export interface DnsRecordsInput {
  domain: string;
  /** Label of the A record that points at the host (the hand-built setup's `cname`). */
  hostRecordName: string;
  /** Site labels (`docker`, `www`, ...): each becomes a CNAME to the host record. */
  siteNames: string[];
  ttl: number;
  extraRecords: { name: string; type: DnsRecordType; values: string[]; ttl?: number }[];
}

/**
 * The records of the zone: an A record to the host, a CNAME per site to that A record, then the
 * extra records. The same list feeds every backend (Route53, Azure DNS). Throws when two records collide.
 */
export function planDnsRecords(input: DnsRecordsInput): DnsRecordSpec[] {
  const hostFqdn = `${input.hostRecordName}.${input.domain}`;
  const records: DnsRecordSpec[] = [
    { name: input.hostRecordName, type: "A", ttl: input.ttl, values: "host-ip" },
    ...[...input.siteNames]
      .sort()
      .map((site) => ({ name: site, type: "CNAME" as const, ttl: input.ttl, values: [hostFqdn] })),
    ...input.extraRecords.map((r) => ({ name: r.name, type: r.type, ttl: r.ttl ?? input.ttl, values: r.values })),
  ];
  const seen = new Map<string, DnsRecordType>();
  for (const r of records) {
    const previous = [...seen.entries()].find(([name]) => name === r.name);
    if (previous && (previous[1] === "CNAME" || r.type === "CNAME" || previous[1] === r.type)) {
      throw new Error(
        `dns.extraRecords: record "${r.name}" (${r.type}) collides with an existing ${previous[1]} record of the same name ` +
          `(a CNAME cannot share its name; a record type appears once per name: put all values in one entry).`,
      );
    }
    seen.set(r.name, r.type);
  }
  return records;
}

/** Fully qualified name of a relative record name. */
export function fqdn(name: string, domain: string): string {
  return name === "@" ? domain : `${name}.${domain}`;
}

/** Longest character-string of a TXT record (RFC 1035 section 3.3: one length octet). */
export const TXT_STRING_MAX = 255;

/**
 * TXT values in the form the AWS provider expects. The provider wraps every TXT value in one pair of quotes itself
 * (terraform-provider-aws `internal/service/route53` `flattenTxtEntry`: `"%s"`, and strips them again on read), so a
 * value must be passed unquoted: quoting it here would reach Route53 as `""v=...""` (`InvalidChangeBatch`). A value
 * longer than 255 characters is split the way the provider documents for `records` ("add `\"\"` inside the
 * configuration string": `first255characters""morecharacters`), which Route53 then receives as two adjacent quoted
 * strings. A quotation mark or backslash inside the value is escaped for Route53's quoted-string syntax; the escape
 * does not count toward the 255 characters of its string.
 */
export function route53Values(type: DnsRecordType, values: string[]): string[] {
  if (type !== "TXT") return values;
  return values.map((v) =>
    chunks(v, TXT_STRING_MAX)
      .map((chunk) => chunk.replace(/[\\"]/g, (c) => `\\${c}`))
      .join('""'),
  );
}

/** `text` in pieces of at most `size` characters (one empty piece for ""). */
function chunks(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces.length > 0 ? pieces : [""];
}

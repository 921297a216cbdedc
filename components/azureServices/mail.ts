import type { DnsRecordType } from "../dnsZone/records";

/** A SendGrid domain-authentication record as config gives it: `<name>.<domain>` CNAME `value`. */
export interface MailDnsRecord {
  name: string;
  value: string;
}

/** The shape DnsZone takes for extra records (same as `dns.extraRecords`). */
export interface ExtraDnsRecord {
  name: string;
  type: DnsRecordType;
  values: string[];
  ttl?: number;
}

/**
 * SendGrid's domain-authentication CNAMEs as DNS extra records, for the stack's zone (whichever backend holds it).
 * Nothing when mail is off: records of an account that does not send would only confuse.
 */
export function mailDnsRecords(mail: { enabled: boolean; dnsRecords: MailDnsRecord[] }): ExtraDnsRecord[] {
  if (!mail.enabled) return [];
  return mail.dnsRecords.map((r) => ({ name: r.name, type: "CNAME" as const, values: [r.value] }));
}

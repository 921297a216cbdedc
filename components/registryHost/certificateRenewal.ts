/**
 * When the dev registry's leaf certificate is renewed. @pulumi/tls 5.x runs terraform-provider-tls v4, whose plan
 * step (`modifyPlanIfCertificateReadyForRenewal`, in ModifyPlan) marks a certificate for replacement once the current
 * time is within `earlyRenewalHours` of its `validityEndTime`. So renewal happens on the first `pulumi up` (or
 * preview) run inside that window; nothing renews a certificate between runs. A replaced leaf changes the files the
 * host receives, so the install-files step ships it and the registry restarts with it.
 */

/** Renew this long before expiry at most: 30 days leaves a month of weekly or monthly `up`s to catch the window. */
export const EARLY_RENEWAL_MAX_HOURS = 30 * 24;

/**
 * `earlyRenewalHours` for a leaf valid `validityDays`: 30 days, or a third of the validity for short-lived
 * certificates (a window as long as the validity would replace the certificate on every `up`).
 */
export function earlyRenewalHoursFor(validityDays: number): number {
  const validityHours = validityDays * 24;
  return Math.min(EARLY_RENEWAL_MAX_HOURS, Math.floor(validityHours / 3));
}

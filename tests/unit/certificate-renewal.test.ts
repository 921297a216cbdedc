import { describe, expect, it } from "vitest";
import { EARLY_RENEWAL_MAX_HOURS, earlyRenewalHoursFor } from "../../components/registryHost/certificateRenewal";

describe("earlyRenewalHoursFor (the dev registry leaf)", () => {
  it("renews 30 days before expiry for the default 397-day leaf", () => {
    expect(earlyRenewalHoursFor(397)).toBe(30 * 24);
    expect(EARLY_RENEWAL_MAX_HOURS).toBe(720);
  });

  it("keeps the window inside the validity for short leaves (else every `up` would replace it)", () => {
    expect(earlyRenewalHoursFor(30)).toBe(240);
    expect(earlyRenewalHoursFor(1)).toBe(8);
    for (const days of [1, 2, 7, 30, 90, 91, 825]) expect(earlyRenewalHoursFor(days)).toBeLessThan(days * 24);
  });
});

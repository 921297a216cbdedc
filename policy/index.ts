/**
 * The CrossGuard policy pack: `pulumi preview --policy-pack policy` (see docs/policy.md). This is the only file that
 * constructs the PolicyPack, which starts the analyzer server the engine talks to; the rules live in `rules.ts`.
 */
import { PolicyPack } from "@pulumi/policy";
import { rules } from "./rules";

new PolicyPack("startup-infra-security", {
  policies: rules,
  enforcementLevel: "mandatory",
  description:
    "The startup-infra security bar (docs/policy.md): network exposure, the hand-built setup's database lesson, IMDSv2, " +
    "encryption, RDS protection and TLS, Azure Storage and Key Vault. Rule descriptions carry Checkov/Trivy IDs.",
  displayName: "startup-infra security bar",
  tags: ["aws", "azure", "security"],
});

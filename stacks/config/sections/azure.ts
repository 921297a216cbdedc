import { z } from "zod";

/** `azure`: the Azure side (storage, Key Vault, mail, optional DNS). */
export const azureSection = z
  .object({
    /** Deploy the Azure services. Defaults to false (an AWS-only deployment). */
    enabled: z.boolean().default(false).meta({ example: "true" }),
    /** Azure region. Defaults to koreacentral. */
    location: z.string().default("koreacentral").meta({ example: "koreacentral" }),
  })
  .strict();

import { z } from "zod";
import { port } from "./common";

/** `registry`: the private Docker registry (distribution) on the host. */
export const registrySection = z
  .object({
    /** Registry image, pinned by tag or digest (never `latest`). Defaults to registry:3.0.0 (distribution v3). */
    image: z
      .string()
      .regex(/^[a-z0-9./_-]+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$/, "must name an image with a pinned tag or digest")
      .refine((image) => !image.endsWith(":latest"), { message: "must not use the floating tag latest: pin a version" })
      .default("registry:3.0.0")
      .meta({ example: "registry:3.0.0" }),
    /** Port the registry listens on (dev: public with TLS; prod: loopback behind Nginx). Defaults to 5000. */
    port: port.default(5000).meta({ example: "5000" }),
    /** Registry users; each gets a generated password (secret output). Defaults to ci and deploy. */
    users: z
      .array(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, "must be a lower-case user name"))
      .min(1, "must list at least one user")
      .refine((users) => new Set(users).size === users.length, { message: "must not list a user twice" })
      .default(["ci", "deploy"])
      .meta({ example: "ci" }),
    /** Scheduled blob garbage collection on the host. */
    gc: z
      .object({
        /** Defaults to true. */
        enabled: z.boolean().default(true).meta({ example: "true" }),
        /** systemd OnCalendar expression. Defaults to weekly, Sunday 03:30 UTC. */
        onCalendar: z.string().min(1).default("Sun *-*-* 03:30:00").meta({ example: "Sun *-*-* 03:30:00" }),
      })
      .strict()
      .default({ enabled: true, onCalendar: "Sun *-*-* 03:30:00" }),
  })
  .strict();

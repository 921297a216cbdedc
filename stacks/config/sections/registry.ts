import { z } from "zod";
import { DEFAULT_REGISTRY_IMAGE, pinnedImageProblem } from "../../../components/registryHost/render/image";
import { calendarProblem } from "./calendar";
import { parseDuration } from "../../../components/duration";
import { port } from "./common";

const RETENTION_DEFAULTS = { enabled: true, keep: 10, keepYoungerThan: "30d", keepTagsLike: [], dryRun: true };

function isDuration(value: string): boolean {
  try {
    parseDuration(value);
    return true;
  } catch {
    return false;
  }
}

function isRegExp(value: string): boolean {
  try {
    new RegExp(value);
    return true;
  } catch {
    return false;
  }
}

/** `registry`: the private Docker registry (distribution) on the host. */
export const registrySection = z
  .object({
    /**
     * Registry image, pinned by tag and/or digest (never `latest`). Defaults to
     * registry:3.0.0@sha256:6c5666b8... (distribution v3.0.0, the official image's index digest: a tag can move, the
     * digest cannot).
     */
    image: z
      .string()
      .superRefine((image, ctx) => {
        const problem = pinnedImageProblem(image);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .default(DEFAULT_REGISTRY_IMAGE)
      .meta({ example: "registry:3.0.0@sha256:6c5666b861f3505b116bb9aa9b25175e71210414bd010d92035ff64018f9457e" }),
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
        onCalendar: z
          .string()
          .superRefine((value, ctx) => {
            const problem = calendarProblem(value);
            if (problem) ctx.addIssue({ code: "custom", message: problem });
          })
          .default("Sun *-*-* 03:30:00")
          .meta({ example: "Sun *-*-* 03:30:00" }),
        /**
         * Retention the timer runs before blob collection (registry-gc on the host, never deleting what is deployed,
         * running or a rollback target). Defaults to on, as a dry run keeping the 10 newest images per repository and
         * everything younger than 30 days: read the report in /var/lib/registry-gc, then set dryRun to false.
         */
        retention: z
          .object({
            /** Defaults to true. */
            enabled: z.boolean().default(true).meta({ example: "true" }),
            /** Keep the N newest images of every repository. Defaults to 10. */
            keep: z.number().int().min(0).max(100_000).default(10).meta({ example: "10" }),
            /** Also keep images younger than this (s, m, h, d, w), or "" for no age rule. Defaults to 30d. */
            keepYoungerThan: z
              .string()
              .refine((v) => v === "" || isDuration(v), {
                message: "must be a duration like 30d, 12h or 1d12h, or empty",
              })
              .default("30d")
              .meta({ example: "30d" }),
            /** Also keep tags matching these regular expressions. Defaults to none. */
            keepTagsLike: z
              .array(z.string().refine(isRegExp, { message: "must be a valid regular expression" }))
              .default([])
              .meta({ example: "^stable$" }),
            /** Only report what would be deleted. Defaults to true: look at the report first. */
            dryRun: z.boolean().default(true).meta({ example: "false" }),
          })
          .strict()
          .default(RETENTION_DEFAULTS),
      })
      .strict()
      .default({ enabled: true, onCalendar: "Sun *-*-* 03:30:00", retention: RETENTION_DEFAULTS }),
  })
  .strict();

import { z } from "zod";
import { appName } from "./apps";
import { dnsLabel, port } from "./common";

/**
 * `sites`: subdomain -> what serves it. A port means "Nginx proxies https://<sub>.<domain> to 127.0.0.1:<port>";
 * the word `registry` means the Docker registry; an app name (a key of `apps`) means that app's current release.
 * Every site also gets a CNAME to the host record. Defaults to { docker: registry, www: 8080, admin: 8081 } (the
 * hand-built setup's names).
 */
export const sitesSection = z
  .record(dnsLabel, z.union([port, z.literal("registry"), appName]).meta({ example: "8080" }))
  .refine((sites) => Object.values(sites).filter((s) => s === "registry").length <= 1, {
    message: "at most one site may be the registry",
  });

/** What serves a site: a loopback port, the registry, or an app. */
export type SiteTarget = number | "registry" | string;

/** The app a site target names, or undefined for a port or the registry. */
export function siteApp(target: SiteTarget): string | undefined {
  return typeof target === "string" && target !== "registry" ? target : undefined;
}

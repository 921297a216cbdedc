import type { ComputedOutputs, CallHandler } from "./types";

/** Computed outputs of the host resources (beyond resources.ts) the program creates. */
export const hostOutputs: Record<string, ComputedOutputs> = {};

/** Host invokes the program makes. */
export const hostCalls: Record<string, CallHandler> = {};

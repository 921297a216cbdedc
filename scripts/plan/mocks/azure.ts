import type { ComputedOutputs, CallHandler } from "./types";

/** Computed outputs of the Azure resources the program creates. */
export const azureOutputs: Record<string, ComputedOutputs> = {};

/** Azure invokes the program makes. */
export const azureCalls: Record<string, CallHandler> = {};

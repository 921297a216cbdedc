export type Inputs = Record<string, unknown>;
/** Computes the outputs the provider would fill in (ids, ARNs, addresses, ...), from the resource's name and inputs. */
export type ComputedOutputs = (name: string, inputs: Inputs) => Inputs;
/** Answers one invoke. */
export type CallHandler = (inputs: Inputs) => Inputs;

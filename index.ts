// Entry point of `pulumi up --stack dev|prod`: parse the stack config once, build the stack's composition,
// export its outputs (documented in docs/outputs.md).
import { buildStack } from "./stacks/program";

export = async () => buildStack().outputs;

// `npm run plan -- --stack <dev|prod> [--config-file <yaml>] [--out <dir>]`: the offline plan (main.ts).
// First: the runtime settings the rest of the plan loads under.
import "./runtime";
import { planBundle } from "./bundle";
import { runBundle } from "./runBundle";

// The plan runs from its bundle (bundle.ts, run by runBundle.ts); when there is none (the cache cannot be written,
// or the sources do not build, in which case loading them reports why), from its TypeScript sources.
/* eslint-disable @typescript-eslint/no-require-imports -- loading the plan one way or the other is the point */
planBundle().then(
  (bundle) => (bundle ? runBundle(bundle) : require("./main")),
  () => require("./main"),
);

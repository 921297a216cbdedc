// Imported first by the plan's entry (cli.ts), so that it takes effect before the SDK and the program load: the
// imports of a module all run before its own statements.
//
// Every resource constructor captures a stack trace; source-mapping each one back to TypeScript cost ~40% of a plan's
// run time, and with source maps on, Node also indexes every loaded file that names a source map (tsx turns them on
// when it registers). The plan reports errors by message, so it runs without source-mapped traces.
process.setSourceMapsEnabled(false);
// The SDK also captures stack traces the mock engine has no use for: one per resource (its source position, and an
// error it preallocates for each registration); per-promise ones go with its leak bookkeeping (engine.ts). Formatting
// them was ~15% of a plan's run phase. Error messages, which is what the plan prints, are unaffected.
Error.stackTraceLimit = 0;

export {};

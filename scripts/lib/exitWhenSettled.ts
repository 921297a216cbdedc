/** Pending work a process must not drop when it ends: file operations and stream writes (`process.getActiveResourcesInfo`). */
const UNFINISHED = /^(FSReq|FileHandleCloseReq|WriteWrap|ShutdownWrap)/;

/** Whether `resources` (as `process.getActiveResourcesInfo()` names them) hold a file operation or a write in flight. */
export const writesPending = (resources: readonly string[]): boolean => resources.some((r) => UNFINISHED.test(r));

/**
 * Ends the process with `code` once no file operation or stream write is in flight (tsx writes its transform cache
 * asynchronously; dropping those writes would make the next run transform its modules again).
 *
 * Left to end on its own, Node first waits for every task queued on V8's background threads, and in a short-lived
 * process that has just run hot code, that is the optimizing compiler's queue: 10 to 50 ms of compiling code that will
 * never run (measured on the offline plan). Anything else still open (a socket tsx opens to a watch-mode parent that
 * is not there, a timer) is dropped, as it is when a finished command-line tool returns.
 */
export function exitWhenSettled(code: number): void {
  process.exitCode = code;
  const check = (): void => {
    if (writesPending(process.getActiveResourcesInfo())) setTimeout(check, 1);
    else process.exit(code);
  };
  setImmediate(check);
}

/**
 * Reports a command whose work ran out before it settled (it waits on a promise nothing will resolve): prints
 * `message` and ends with `code` instead of exiting 0 with nothing done. Node emits `beforeExit` only when the event
 * loop drains on its own, which `exitWhenSettled` never lets happen.
 */
export function failIfAbandoned(message: string, code: number): void {
  process.once("beforeExit", () => {
    console.error(message);
    process.exit(code);
  });
}

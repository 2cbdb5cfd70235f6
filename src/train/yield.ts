/**
 * Training runs in the server's process (first start, training jobs): its loops hand the
 * event loop back between chunks so timers, HTTP requests and progress output keep going.
 */
export const yieldToLoop = (): Promise<void> => new Promise<void>((r) => setImmediate(r));

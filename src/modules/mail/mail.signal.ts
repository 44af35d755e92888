// A process-local doorbell: queueing a mail rings it, so this process's
// worker looks shortly (it cannot know when the queueing transaction commits,
// so it waits a moment) instead of at its next poll. Mail queued by another
// process is found by polling; nothing depends on the bell being heard.
type Listener = () => void;
const listeners = new Set<Listener>();

export function onMailQueued(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function nudgeMailWorkers(): void {
  for (const listener of listeners) listener();
}

/**
 * When to ask Synapse whether a background task is done. Each status request
 * costs Synapse CPU, which the purges themselves need, so the first one comes
 * about when the task is expected to end — learned from the tasks of this run,
 * in milliseconds per event — and later ones back off. Pure.
 */
const minimumMs = 50;
const maximumMs = 1_000;

/**
 * Pauses before each poll: the first a little before the expected end (so a
 * model that overestimates learns it), then growing by half up to a second.
 */
export function* pollDelays(expectedMs: number): Generator<number, never> {
  let delay = Math.min(maximumMs, Math.max(minimumMs, Math.round(expectedMs * 0.8)));
  yield delay;
  delay = Math.max(minimumMs, Math.round(delay / 4));
  for (;;) {
    yield delay;
    delay = Math.min(maximumMs, Math.round(delay * 1.5));
  }
}

export interface DurationModel {
  /** How long a task over this many events is expected to take. */
  expect(events: number): number;
  /** A task over `events` took `ms` (queueing included, so the model adapts to the concurrency). */
  observe(events: number, ms: number): void;
}

/** A moving average of milliseconds per event, starting from `initialMsPerEvent`. */
export function durationModel(initialMsPerEvent = 1, fixedMs = 30): DurationModel {
  let msPerEvent = initialMsPerEvent;
  return {
    expect: (events) => fixedMs + msPerEvent * Math.max(1, events),
    observe(events, ms) {
      const sample = Math.max(0, ms - fixedMs) / Math.max(1, events);
      msPerEvent = 0.7 * msPerEvent + 0.3 * sample;
    },
  };
}

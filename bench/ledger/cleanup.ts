/**
 * Everything the benchmark starts (server processes, databases, temp directories) registers
 * how to undo itself here; `runAll` undoes it newest first, on success, on failure and on
 * Ctrl-C, and keeps going past a step that fails. It returns only when every undo step has
 * finished, including steps started elsewhere (a teardown racing a Ctrl-C): the process may
 * exit right after it.
 */
export class Cleanup {
  readonly #tasks: { label: string; undo: () => Promise<void> }[] = [];
  readonly #inFlight = new Set<Promise<void>>();

  /** Registers an undo step; the returned function runs it now (once) and unregisters it. */
  add(label: string, undo: () => Promise<void>): () => Promise<void> {
    const task = { label, undo };
    this.#tasks.push(task);
    return async () => {
      const at = this.#tasks.indexOf(task);
      if (at === -1) return;
      this.#tasks.splice(at, 1);
      await this.#track(undo());
    };
  }

  async runAll(): Promise<void> {
    for (let task = this.#tasks.pop(); task; task = this.#tasks.pop()) {
      try {
        await this.#track(task.undo());
      } catch (error) {
        console.error(`cleanup: ${task.label} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    await Promise.allSettled([...this.#inFlight]);
  }

  async #track(running: Promise<void>): Promise<void> {
    this.#inFlight.add(running);
    try {
      await running;
    } finally {
      this.#inFlight.delete(running);
    }
  }
}

import type { Logger } from './logger';

/** A background chore run on a timer (and by tests, at once). */
export interface Chore {
  name: string;
  run(): Promise<unknown>;
}

/**
 * Runs chores one after another every `everyMs`, never two rounds at once; a failing chore is logged and
 * the others still run.
 */
export class Housekeeper {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;

  constructor(
    private readonly chores: Chore[],
    private readonly log: Logger,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.runOnce(), this.everyMs);
    this.timer.unref();
  }

  runOnce(): Promise<void> {
    this.round ??= this.runAll().finally(() => (this.round = undefined));
    return this.round;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.round;
  }

  private async runAll(): Promise<void> {
    for (const chore of this.chores) {
      try {
        await chore.run();
      } catch (err) {
        this.log.error({ err, chore: chore.name }, 'housekeeping chore failed');
      }
    }
  }
}

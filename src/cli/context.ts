/** What a command may touch of the outside world, passed in so commands run the same under test. */
export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Milliseconds since the epoch, like `Date.now`. */
  readonly now: () => number;
}

/** Wrong command-line usage: reported as one line on stderr with exit code 2, like a ConfigError. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

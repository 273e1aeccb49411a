/** A configuration value or source is wrong. The message is complete and meant for the operator as is. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

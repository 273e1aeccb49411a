import { ConfigError } from '../config/index.js';
import { type CliContext, EXIT_OK, EXIT_USAGE, UsageError } from './context.js';
import { mainHelp, pushUrlHelp, resetAdminPasswordHelp, serveHelp, version } from './help.js';
import { pushUrlCommand } from './push-url.js';
import { resetAdminPasswordCommand } from './reset-admin-password.js';
import { type ServeDeps, serve } from './serve.js';

interface Command {
  readonly help: () => string;
  readonly run: (args: readonly string[], context: CliContext, deps: ServeDeps) => Promise<number>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  serve: { help: serveHelp, run: serve },
  'push-url': { help: pushUrlHelp, run: pushUrlCommand },
  'reset-admin-password': { help: resetAdminPasswordHelp, run: resetAdminPasswordCommand },
};

const HELP_FLAGS = new Set(['--help', '-h']);

/**
 * Dispatches `livetape [command] [options]` and resolves with the exit code. Wrong usage and bad
 * configuration print one line and exit 2; anything else is a bug or an environment failure and throws.
 */
export async function runCli(args: readonly string[], context: CliContext, deps: ServeDeps): Promise<number> {
  const [first, ...rest] = args;
  if (first === '--version' || first === '-V') {
    context.stdout(`${version()}\n`);
    return EXIT_OK;
  }
  if (first !== undefined && (HELP_FLAGS.has(first) || first === 'help')) {
    context.stdout(mainHelp());
    return EXIT_OK;
  }
  // Options without a command belong to the default command, `serve`.
  const [name, commandArgs] = first === undefined || first.startsWith('-') ? ['serve', args] : [first, rest];
  const command = COMMANDS[name];
  try {
    if (command === undefined) throw new UsageError(`unknown command "${name}"; see livetape --help`);
    if (commandArgs.some((arg) => HELP_FLAGS.has(arg))) {
      context.stdout(command.help());
      return EXIT_OK;
    }
    return await command.run(commandArgs, context, deps);
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof UsageError)) throw error;
    context.stderr(`livetape: ${error.message}\n`);
    return EXIT_USAGE;
  }
}

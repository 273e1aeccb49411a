import { storeNewPassword } from '../auth/admin-password.js';
import { loadConfig } from '../config/index.js';
import { type CliContext, EXIT_OK, UsageError } from './context.js';
import { withExistingCatalog } from './existing-catalog.js';

/**
 * `livetape reset-admin-password`: stores a new console password in the catalog of the given
 * configuration and prints it. Works with the server stopped or running (it reads the password from the
 * catalog at each login); every session logged in with the old password ends.
 */
export async function resetAdminPasswordCommand(
  args: readonly string[],
  context: CliContext,
): Promise<number> {
  const config = loadConfig({ argv: args, env: context.env, cwd: context.cwd });
  if (config.adminPassword !== '') {
    throw new UsageError(
      'ADMIN_PASSWORD is set, and the console uses it instead of a stored password: change ADMIN_PASSWORD instead',
    );
  }
  const password = await withExistingCatalog(
    config,
    (catalog) => storeNewPassword(catalog.settings),
    (sqliteFile) => {
      throw new UsageError(
        `no catalog at ${sqliteFile}: give the server's configuration (--config <file> or --data-dir <dir>)`,
      );
    },
  );
  context.stderr(
    'New console password stored (the old one and its sessions no longer work; a running server uses it from the next login):\n',
  );
  context.stdout(`${password}\n`);
  return EXIT_OK;
}

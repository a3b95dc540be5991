import { ConfigError, loadSettings, type Settings } from "@helmr/config";
import { Errors } from "@oclif/core";

/** Settings from the environment; a bad variable stops the command with its name and the fix. */
export function settingsOrExit(): Settings {
  try {
    return loadSettings();
  } catch (error) {
    if (error instanceof ConfigError) throw new Errors.CLIError(error.message, { exit: 1 });
    throw error;
  }
}

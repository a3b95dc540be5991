import { readFileSync } from "node:fs";
import { Errors } from "@oclif/core";

/**
 * A JSON flag's value, with an error that points at the position when it is not JSON.
 * `-` reads standard input; `file` reads a file (for --data-file).
 */
export function parseJsonFlag(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = errorPosition(text);
    const where =
      position === null ? "" : `\n  ${text.slice(Math.max(0, position - 20), position + 20)}\n  ${" ".repeat(Math.min(20, position))}^ position ${position}`;
    throw new Errors.CLIError(`${flag} is not valid JSON: ${message}${where}\nQuote the value for your shell, e.g. ${flag} '{"approved": true}'`, { exit: 1 });
  }
}

/**
 * Where JSON.parse gives up, found as the shortest prefix that fails for a reason other
 * than ending early (Node 20's messages no longer name a position).
 */
function errorPosition(text: string): number | null {
  for (let end = 1; end <= text.length; end++) {
    try {
      JSON.parse(text.slice(0, end));
    } catch (error) {
      const message = (error as Error).message;
      const at = /at position (\d+)/.exec(message);
      // A prefix that merely ends early fails "at" its own end; the real error is before it.
      const endedEarly = /end of JSON input|Unterminated string/.test(message) || (at !== null && Number(at[1]) >= end);
      if (!endedEarly) return at ? Number(at[1]) : end - 1;
    }
  }
  return text.trim() === "" ? 0 : null;
}

export function readJsonSource(options: { data?: string; dataFile?: string; flag: string }): unknown {
  if (options.data !== undefined && options.dataFile !== undefined) throw new Errors.CLIError("Pass either --data or --data-file, not both", { exit: 1 });
  if (options.dataFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.dataFile, "utf8");
    } catch (error) {
      throw new Errors.CLIError(`Cannot read --data-file ${options.dataFile}: ${(error as Error).message}`, { exit: 1 });
    }
    return parseJsonFlag(text, `--data-file ${options.dataFile}`);
  }
  if (options.data === undefined)
    throw new Errors.CLIError(`Pass the data as JSON: ${options.flag} '{...}', --data-file FILE, or ${options.flag} - to read standard input`, { exit: 1 });
  return parseJsonFlag(options.data === "-" ? readFileSync(0, "utf8") : options.data, options.flag);
}

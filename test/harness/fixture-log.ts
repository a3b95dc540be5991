import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh file for test/fixtures/tasks.ts to log its side effects to (FIXTURE_LOG). */
export const fixtureLogFile = (): string => join(mkdtempSync(join(tmpdir(), "helmr-fixture-")), "log");

/** The file's complete lines: it exists, empty, for a moment before its first line is written. */
export const readFixtureLog = (file: string): string[] => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : []);

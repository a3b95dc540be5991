import type { Settings } from "@helmr/config";
import { pino, type Logger } from "pino";

/** The process's logger: at HELMR_LOG_LEVEL when it is set, else at the command's own default. */
export function createLogger(settings: Settings, fallbackLevel?: string): Logger {
  const level = process.env.HELMR_LOG_LEVEL ? settings.HELMR_LOG_LEVEL : (fallbackLevel ?? settings.HELMR_LOG_LEVEL);
  return pino({ level });
}

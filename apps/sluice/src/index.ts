export { DEBUG_WRITE_PATH, Daemon } from './daemon.ts'
export { FlagError, parseDuration, type RunFlags, RUN_OPTIONS, runFlags } from './flags.ts'
export { VERSION } from './version.ts'

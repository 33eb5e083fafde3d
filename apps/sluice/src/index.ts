export { Daemon, DEBUG_WRITE_PATH } from './daemon.ts'
export { FlagError, parseDuration, RUN_OPTIONS, type RunFlags, runFlags } from './flags.ts'
export { VERSION } from './version.ts'

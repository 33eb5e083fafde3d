export { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client'
export { createLogger, type Logger, nullLogger } from './logger.ts'

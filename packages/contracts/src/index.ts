export { isSluiceError, SluiceError } from './errors.ts'
export type { Label } from './labels.ts'

export { isSluiceError, SluiceError } from './errors.ts'

export type { DeliveryHold } from './delivery.ts'
export { isSluiceError, SluiceError } from './errors.ts'
export { compareLabelNames, compareLabels, type Label, sortLabels } from './labels.ts'

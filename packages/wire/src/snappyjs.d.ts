/** Types for snappyjs (it ships none): snappy block format, compress only is used here. */
declare module 'snappyjs' {
  export function compress(uncompressed: Uint8Array): Uint8Array
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array
}

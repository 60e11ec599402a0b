// lz4js ships no types: the one function hvosim uses (an LZ4 block into `dst` from `dIndex`; returns the end).
declare module 'lz4js' {
  export function decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number;
  export function compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
  export function compressBound(n: number): number;
}

/** Embeddings as SQLite BLOBs: little-endian Float32, copied out (SQLite's buffers need not be 4-byte aligned). */
export const vectorFromBlob = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
export const blobFromVector = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

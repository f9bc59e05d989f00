/**
 * S3's "flexible checksums": a client sends `x-amz-checksum-<algorithm>` (as a header or an
 * aws-chunked trailer) with the base64 of the checksum of the whole payload; S3 verifies it and
 * echoes it back. CRC32, CRC32C, SHA-1 and SHA-256 are verified; CRC64NVME is accepted and echoed
 * without verification (no fast implementation without a native dependency).
 */
import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export const checksumHeader = (alg: ChecksumAlgorithm) => `x-amz-checksum-${alg}`;

export function checksumAlgorithmOf(headerName: string): ChecksumAlgorithm | undefined {
  const m = /^x-amz-checksum-([a-z0-9]+)$/.exec(headerName.toLowerCase());
  return m && (CHECKSUM_ALGORITHMS as readonly string[]).includes(m[1]!) ? (m[1] as ChecksumAlgorithm) : undefined;
}

export interface Checksummer {
  update(chunk: Buffer): void;
  /** Base64 of the big-endian checksum bytes, as S3 writes it. */
  digest(): string;
}

const uint32Base64 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b.toString('base64');
};

class Crc32 implements Checksummer {
  private value = 0;
  update(chunk: Buffer) {
    this.value = crc32(chunk, this.value);
  }
  digest() {
    return uint32Base64(this.value);
  }
}

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven. */
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

class Crc32c implements Checksummer {
  private value = 0xffffffff;
  update(chunk: Buffer) {
    let c = this.value;
    for (let i = 0; i < chunk.length; i++) c = CRC32C_TABLE[(c ^ chunk[i]!) & 0xff]! ^ (c >>> 8);
    this.value = c;
  }
  digest() {
    return uint32Base64(~this.value);
  }
}

class Digest implements Checksummer {
  private readonly hash: Hash;
  constructor(algorithm: 'sha1' | 'sha256') {
    this.hash = createHash(algorithm);
  }
  update(chunk: Buffer) {
    this.hash.update(chunk);
  }
  digest() {
    return this.hash.digest('base64');
  }
}

/** A running checksum for the algorithm, or undefined when Argus cannot verify that algorithm. */
export function createChecksummer(alg: ChecksumAlgorithm): Checksummer | undefined {
  switch (alg) {
    case 'crc32':
      return new Crc32();
    case 'crc32c':
      return new Crc32c();
    case 'sha1':
    case 'sha256':
      return new Digest(alg);
    case 'crc64nvme':
      return undefined;
  }
}
